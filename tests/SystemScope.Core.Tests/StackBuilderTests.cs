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

    [Fact]
    public void Inlined_frames_the_symbolizer_adds_get_room_and_come_root_first()
    {
        var builder = new StackBuilder(new InliningSymbolizer());
        var user = Enumerable.Range(1, StackBuilder.MaxFramesPerStack).Select(i => (ulong)i).ToArray();

        var frames = builder.Build(1, user, [0x1], null);

        // Each address: its function, then the one inlined into it; the root is the outermost address.
        Assert.Equal((2 * StackBuilder.MaxFramesPerStack) + 1, frames.Length);
        Assert.Equal(["u100", "u100.inlined", "uff", "uff.inlined"], frames[..4].ToArray().Select(f => f.Name));
        Assert.Equal(["u1", "u1.inlined", "k1"], frames[^3..].ToArray().Select(f => f.Name));
    }

    /// <summary>Names each address twice, as a symbolizer with inline frames does for inlined code: the inlined function first (leaf side).</summary>
    private sealed class InliningSymbolizer : IStackSymbolizer
    {
        public int ResolveUser(int pid, ReadOnlySpan<ulong> addresses, Span<Symbol> frames)
        {
            Assert.True(frames.Length >= 2 * addresses.Length, $"room for {frames.Length} frames, {addresses.Length} addresses");
            for (var i = 0; i < addresses.Length; i++)
            {
                frames[2 * i] = new Symbol($"u{addresses[i]:x}.inlined", "app", FrameKind.Native);
                frames[(2 * i) + 1] = new Symbol($"u{addresses[i]:x}", "app", FrameKind.Native);
            }

            return 2 * addresses.Length;
        }

        public void ResolveKernel(ReadOnlySpan<ulong> addresses, Span<Symbol> frames) => new TableSymbolizer().ResolveKernel(addresses, frames);
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
