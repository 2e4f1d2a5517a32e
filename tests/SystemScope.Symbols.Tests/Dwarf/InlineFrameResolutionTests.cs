using SystemScope.Core.Symbols;
using SystemScope.Symbols.Tests.Support;

namespace SystemScope.Symbols.Tests.Dwarf;

/// <summary>The symbolizer on a running process: inlined functions become frames only with <see cref="SymbolizerOptions.InlineFrames"/>.</summary>
public sealed class InlineFrameResolutionTests(InlineBinaries binaries) : IClassFixture<InlineBinaries>
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Inlined_code_of_a_running_process_resolves_to_the_chain_addr2line_gives(bool separateDebugFile)
    {
        var binary = separateDebugFile ? binaries.Separated : binaries.Dwarf5;
        var reference = separateDebugFile ? binaries.UnstrippedCopy : binaries.Dwarf5;
        var (address, chain) = DeepestInlinedAddress(reference);
        using var program = RunningProgram.Start(binary, "/", "ready", "spin");
        var (start, _) = Addr2Line.Function(reference, "inline_hot");
        var runtime = program.Addresses["inline_hot"] - start + address;
        var options = new SymbolizerOptions { InlineFrames = true, DebugDirectories = separateDebugFile ? [binaries.DebugRoot] : [] };
        using var symbolizer = new Symbolizer(options);

        // Leaf and return address (the caller looks up the byte before it): both are in inlined code.
        var frames = new Symbol[16];
        var count = symbolizer.ResolveUser(program.Pid, [runtime, runtime + 1], frames);

        var names = frames[..count].Select(f => f.Name).ToList();
        Assert.Equal([.. chain, .. chain], names);
        Assert.All(frames[..count], f => Assert.Equal(Path.GetFileName(binary), f.Module));
    }

    [Fact]
    public void Without_the_option_or_without_room_an_address_is_one_frame()
    {
        var (address, chain) = DeepestInlinedAddress(binaries.Dwarf5);
        Assert.True(chain.Count >= 3);
        using var program = RunningProgram.Start(binaries.Dwarf5, "/", "ready", "spin");
        var (start, _) = Addr2Line.Function(binaries.Dwarf5, "inline_hot");
        var runtime = program.Addresses["inline_hot"] - start + address;

        using var plain = new Symbolizer(new SymbolizerOptions { DebugDirectories = [] });
        var frames = new Symbol[16];
        Assert.Equal(1, plain.ResolveUser(program.Pid, [runtime], frames));
        Assert.Equal("inline_hot", frames[0].Name);

        using var inline = new Symbolizer(new SymbolizerOptions { InlineFrames = true, DebugDirectories = [] });
        var exact = new Symbol[1];
        Assert.Equal(1, inline.ResolveUser(program.Pid, [runtime], exact));
        Assert.Equal("inline_hot", exact[0].Name);

        // Room for one more frame than addresses: the innermost inlined function is the one that fits.
        var tight = new Symbol[2];
        Assert.Equal(2, inline.ResolveUser(program.Pid, [runtime], tight));
        Assert.Equal([chain[0], "inline_hot"], tight.Select(f => f.Name));
    }

    /// <summary>The address of inline_hot with the longest inline chain per addr2line, and that chain (innermost first).</summary>
    private static (ulong Address, List<string> Chain) DeepestInlinedAddress(string binary)
    {
        var (start, size) = Addr2Line.Function(binary, "inline_hot");
        var chains = Addr2Line.Chains(binary, [.. Enumerable.Range(0, (int)size).Select(i => start + (ulong)i)]);
        var deepest = chains.OrderByDescending(p => p.Value.Count).ThenBy(p => p.Key).First();
        Assert.True(deepest.Value.Count >= 3, "gcc inlined nothing into inline_hot");
        return (deepest.Key, deepest.Value);
    }
}
