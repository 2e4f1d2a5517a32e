namespace SystemScope.Core.Symbols;

/// <summary>
/// Turns raw instruction pointers into frames. Implementations cache per binary and per process,
/// and are called off the sampling path (once per aggregation window, per distinct stack).
/// Never throws for an address it cannot resolve: it returns an <see cref="FrameKind.Unknown"/> frame.
/// </summary>
public interface IStackSymbolizer
{
    /// <summary>Resolves user-space addresses of process <paramref name="pid"/>, one output per input.</summary>
    void ResolveUser(int pid, ReadOnlySpan<ulong> addresses, Span<Symbol> frames);

    /// <summary>Resolves kernel addresses, one output per input.</summary>
    void ResolveKernel(ReadOnlySpan<ulong> addresses, Span<Symbol> frames);
}
