using SystemScope.Core.Symbols;

namespace SystemScope.Core.Analyses.Runtime;

/// <summary>
/// Names the managed stacks the runtime reports (return addresses, leaf first) with the session's
/// symboliser (JIT code through the perf map switched on for the process), and picks the frame that
/// explains an event: the leaf, or the first frame outside the framework (the code that called
/// <c>Monitor.Enter</c>, not <c>Monitor.Enter</c> itself).
/// </summary>
public sealed class ManagedFrames(IStackSymbolizer symbolizer)
{
    private const int MaxFrames = 256;
    private readonly Symbol[] _frames = new Symbol[MaxFrames * 2];

    /// <summary>Frames leaf first; valid until the next call.</summary>
    public ReadOnlySpan<Symbol> Resolve(int pid, ReadOnlySpan<ulong> stack)
    {
        if (stack.Length > MaxFrames)
        {
            stack = stack[..MaxFrames];
        }

        return _frames.AsSpan(0, symbolizer.ResolveUser(pid, stack, _frames));
    }

    /// <summary>The first frame (from the leaf) that is managed code, not the runtime's native helpers (the throw helper, for an exception).</summary>
    public string FirstManagedFrame(int pid, ReadOnlySpan<ulong> stack)
    {
        var frames = Resolve(pid, stack);
        foreach (var frame in frames)
        {
            if (frame.Kind != FrameKind.Native)
            {
                return frame.Name;
            }
        }

        return frames.IsEmpty ? "[no stack]" : frames[0].Name;
    }

    /// <summary>The first frame (from the leaf) that is not framework or runtime code; the leaf when all are.</summary>
    public string FirstUserFrame(int pid, ReadOnlySpan<ulong> stack)
    {
        var frames = Resolve(pid, stack);
        if (frames.IsEmpty)
        {
            return "[no stack]";
        }

        foreach (var frame in frames)
        {
            if (!IsFramework(frame))
            {
                return frame.Name;
            }
        }

        return frames[0].Name;
    }

    public static bool IsFramework(Symbol frame)
    {
        var module = frame.Module ?? string.Empty;
        var name = frame.Name;
        return module.StartsWith("System.", StringComparison.Ordinal) || module.StartsWith("Microsoft.", StringComparison.Ordinal)
            || module.StartsWith("libcoreclr", StringComparison.Ordinal) || module.StartsWith("libclrjit", StringComparison.Ordinal)
            || name.StartsWith("System.", StringComparison.Ordinal) || name.StartsWith("[", StringComparison.Ordinal)
            || name.StartsWith("Microsoft.", StringComparison.Ordinal);
    }
}
