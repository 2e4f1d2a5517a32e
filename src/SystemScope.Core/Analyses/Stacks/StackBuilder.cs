using SystemScope.Core.Symbols;

namespace SystemScope.Core.Analyses.Stacks;

/// <summary>
/// Turns a raw stack (user and kernel addresses, leaf first, as the kernel unwound them) into frames
/// root first: optionally the process, then user frames from the outermost, then kernel frames from
/// the syscall entry down to the leaf, then optional extra leaf frames (a thread state, a marker).
/// One instance per analysis: it reuses its buffer, so the span it returns is valid until the next call.
/// </summary>
public sealed class StackBuilder(IStackSymbolizer symbolizer)
{
    /// <summary>Stacks are captured at most 240 frames deep; anything longer is clamped at the leaf end.</summary>
    public const int MaxFramesPerStack = 256;

    private const int MaxExtraFrames = 4;

    // Inlined functions add frames to user addresses (the symbolizer fills what room it is given).
    private const int MaxInlineFrames = 2 * MaxFramesPerStack;

    private readonly Symbol[] _frames = new Symbol[1 + (2 * MaxFramesPerStack) + MaxInlineFrames + MaxExtraFrames];

    /// <summary>Frames of one stack, root first. <paramref name="process"/> adds a root frame naming the process.</summary>
    public ReadOnlySpan<Symbol> Build(int pid, ReadOnlySpan<ulong> user, ReadOnlySpan<ulong> kernel, string? process, ReadOnlySpan<Symbol> leaf = default)
    {
        user = LeafEnd(user);
        kernel = LeafEnd(kernel);
        var buffer = _frames.AsSpan();
        var count = 0;
        if (process is not null)
        {
            buffer[count++] = Symbol.ForProcess(process);
        }

        // The symbolizer may cut a user stack that ran into data: only the frames it keeps are used.
        var userRoom = buffer.Slice(count, buffer.Length - count - kernel.Length - MaxExtraFrames);
        var userFrames = buffer.Slice(count, symbolizer.ResolveUser(pid, user, userRoom));
        userFrames.Reverse();
        count += userFrames.Length;

        var kernelFrames = buffer.Slice(count, kernel.Length);
        symbolizer.ResolveKernel(kernel, kernelFrames);
        kernelFrames.Reverse();
        count += kernel.Length;

        foreach (var extra in leaf[..Math.Min(leaf.Length, MaxExtraFrames)])
        {
            buffer[count++] = extra;
        }

        return buffer[..count];
    }

    private static ReadOnlySpan<ulong> LeafEnd(ReadOnlySpan<ulong> stack) =>
        stack.Length > MaxFramesPerStack ? stack[..MaxFramesPerStack] : stack;
}
