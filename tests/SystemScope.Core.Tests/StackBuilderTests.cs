using SystemScope.Core.Analyses.Stacks;
using SystemScope.Core.Symbols;

namespace SystemScope.Core.Tests;

public sealed class StackBuilderTests
{
    [Fact]
    public void Only_the_user_frames_the_symbolizer_keeps_are_part_of_the_stack()
    {
        var builder = new StackBuilder(new CuttingSymbolizer(cutAt: 0xdead));

        // Leaf first, as the kernel walks: two real frames, then data the walk ran into.
        var frames = builder.Build(7, [0x1, 0x2, 0xdead, 0x3], [0x10, 0x20], "app");

        Assert.Equal(["app", "u2", "u1", "k20", "k10"], frames.ToArray().Select(f => f.Name));
    }

    [Fact]
    public void A_stack_kept_whole_is_built_whole()
    {
        var builder = new StackBuilder(new CuttingSymbolizer(cutAt: 0xdead));

        var frames = builder.Build(7, [0x1, 0x2, 0x3], [], null, [Symbol.ForState("[runnable]")]);

        Assert.Equal(["u3", "u2", "u1", "[runnable]"], frames.ToArray().Select(f => f.Name));
    }

    /// <summary>Names addresses by value and cuts a user stack at one chosen address, as a symbolizer cuts at data.</summary>
    private sealed class CuttingSymbolizer(ulong cutAt) : IStackSymbolizer
    {
        private readonly TableSymbolizer _names = new();

        public int ResolveUser(int pid, ReadOnlySpan<ulong> addresses, Span<Symbol> frames)
        {
            var kept = addresses.IndexOf(cutAt) is var at and > 0 ? at : addresses.Length;
            return _names.ResolveUser(pid, addresses[..kept], frames);
        }

        public void ResolveKernel(ReadOnlySpan<ulong> addresses, Span<Symbol> frames) => _names.ResolveKernel(addresses, frames);
    }
}
