namespace SystemScope.Core.Symbols;

/// <summary>
/// Turns raw instruction pointers into frames. Implementations cache per binary and per process,
/// and are called off the sampling path (once per aggregation window, per distinct stack).
/// Never throws for an address it cannot resolve: it returns an <see cref="FrameKind.Unknown"/> frame.
/// </summary>
public interface IStackSymbolizer
{
    /// <summary>
    /// Resolves user-space addresses of process <paramref name="pid"/> (leaf first), one output per
    /// input, and returns how many frames form the stack: a walk that ran into something that is not a
    /// return address into code (0, a non-user address, a loop, data) is cut there, and only
    /// <c>frames[..returned]</c> is filled. The leaf is always kept. <paramref name="frames"/> must have
    /// room for one frame per address; where it has more, an implementation may name the functions
    /// inlined at an address too (innermost first, before the function holding them), so the count
    /// can exceed the addresses kept.
    /// </summary>
    int ResolveUser(int pid, ReadOnlySpan<ulong> addresses, Span<Symbol> frames);

    /// <summary>Resolves kernel addresses, one output per input.</summary>
    void ResolveKernel(ReadOnlySpan<ulong> addresses, Span<Symbol> frames);
}
