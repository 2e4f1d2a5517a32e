using SystemScope.Core.Symbols;

namespace SystemScope.Core.Tests;

internal static class TestSymbols
{
    public static Symbol Native(string name) => new(name, "app", FrameKind.Native);

    public static Symbol Kernel(string name) => new(name, "kernel", FrameKind.Kernel);

    public static Symbol[] Stack(params string[] rootFirst) => [.. rootFirst.Select(Native)];
}

/// <summary>Names addresses by their value: analyses are about ordering and merging, not lookup.</summary>
internal sealed class TableSymbolizer : IStackSymbolizer
{
    public int ResolveUser(int pid, ReadOnlySpan<ulong> addresses, Span<Symbol> frames)
    {
        for (var i = 0; i < addresses.Length; i++)
        {
            frames[i] = new Symbol($"u{addresses[i]:x}", "app", FrameKind.Native);
        }

        return addresses.Length;
    }

    public void ResolveKernel(ReadOnlySpan<ulong> addresses, Span<Symbol> frames)
    {
        for (var i = 0; i < addresses.Length; i++)
        {
            frames[i] = new Symbol($"k{addresses[i]:x}", "kernel", FrameKind.Kernel);
        }
    }
}
