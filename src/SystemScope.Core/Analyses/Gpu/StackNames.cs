using SystemScope.Core.Analyses.Stacks;
using SystemScope.Core.Symbols;

namespace SystemScope.Core.Analyses.Gpu;

/// <summary>Names a place in code in one line, leaf first: <c>clock_nanosleep ← usleep ← step</c>.</summary>
public sealed class StackNames(IStackSymbolizer symbolizer)
{
    private readonly Symbol[] _frames = new Symbol[2 * StackBuilder.MaxFramesPerStack];

    /// <summary>The innermost <paramref name="depth"/> user frames of the stack (leaf first), empty when there are none.</summary>
    public string Describe(int pid, ReadOnlySpan<ulong> userStack, int depth)
    {
        if (userStack.IsEmpty)
        {
            return string.Empty;
        }

        var take = userStack[..Math.Min(userStack.Length, StackBuilder.MaxFramesPerStack)];
        var count = symbolizer.ResolveUser(pid, take, _frames);
        var names = new List<string>(depth);
        foreach (var frame in _frames.AsSpan(0, count))
        {
            if (names.Count == depth)
            {
                break;
            }

            if (names.Count == 0 || names[^1] != frame.Name)
            {
                names.Add(frame.Name);
            }
        }

        return string.Join(" ← ", names);
    }
}
