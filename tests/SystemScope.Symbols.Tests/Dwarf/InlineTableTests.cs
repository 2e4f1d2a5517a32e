using SystemScope.Symbols.Dwarf;
using SystemScope.Symbols.Elf;

namespace SystemScope.Symbols.Tests.Dwarf;

/// <summary>Inline chains read from .debug_info, compared address by address with addr2line -i.</summary>
public sealed class InlineTableTests(InlineBinaries binaries) : IClassFixture<InlineBinaries>
{
    public static TheoryData<string> Variants => ["dwarf5", "dwarf4", "compressed"];

    [Theory]
    [MemberData(nameof(Variants))]
    public void Every_address_of_the_hot_function_has_the_chain_addr2line_gives(string variant)
    {
        var binary = variant switch
        {
            "dwarf5" => binaries.Dwarf5,
            "dwarf4" => binaries.Dwarf4,
            _ => binaries.Compressed,
        };
        var table = ReadTable(binary, out var problem);
        Assert.Null(problem);

        var (start, size) = Addr2Line.Function(binary, "inline_hot");
        var addresses = Enumerable.Range(0, (int)size).Select(i => start + (ulong)i).ToList();
        var expected = Addr2Line.Chains(binary, addresses);

        // Premise: gcc inlined the helpers, three deep somewhere (mix in step in fold in inline_hot).
        Assert.Contains(expected.Values, chain => chain.Count >= 4 && chain[0] == "mix" && chain[^1] == "inline_hot");

        Span<int> chain = stackalloc int[64];
        var mismatches = new List<string>();
        var inlinedAddresses = 0;
        foreach (var address in addresses)
        {
            var count = table.Find(address, chain);
            var actual = chain[..count].ToArray().Select(i => table.Names[i]).Append("inline_hot").ToList();
            inlinedAddresses += count > 0 ? 1 : 0;
            if (!actual.SequenceEqual(expected[address]))
            {
                mismatches.Add($"0x{address:x}: {string.Join(" <- ", actual)} but addr2line says {string.Join(" <- ", expected[address])}");
            }
        }

        Assert.True(inlinedAddresses > 0, "no address of inline_hot is in inlined code");
        Assert.True(mismatches.Count == 0, $"{mismatches.Count} of {addresses.Count} addresses differ:\n{string.Join('\n', mismatches.Take(20))}");
    }

    [Fact]
    public void A_binary_without_debug_info_has_no_inline_frames_and_says_why()
    {
        var table = ReadTable(binaries.NoDebugInfo, out var problem);

        Assert.Equal(0, table.RangeCount);
        Assert.Contains(".debug_info", problem, StringComparison.Ordinal);
        var (start, _) = Addr2Line.Function(binaries.NoDebugInfo, "inline_hot");
        Assert.Equal(0, table.Find(start + 4, new int[8]));
    }

    [Fact]
    public void Truncated_or_corrupted_debug_info_never_throws()
    {
        using var handle = File.OpenHandle(binaries.Dwarf5);
        Assert.True(ElfFile.TryOpen(handle, out var elf, out _));
        var sections = DebugInfoSections.TryLoad(elf!, out _)!;
        var whole = InlineTableReader.Read(sections, out _);
        Assert.True(whole.RangeCount > 0);

        var random = new Random(7);
        var chain = new int[64];
        for (var round = 0; round < 300; round++)
        {
            var info = sections.Info.ToArray();
            var abbrev = sections.Abbrev.ToArray();
            var length = round % 3 == 0 ? random.Next(info.Length) : info.Length;
            for (var flips = random.Next(1, 16); flips > 0; flips--)
            {
                var target = random.Next(2) == 0 ? info : abbrev;
                target[random.Next(target.Length)] = (byte)random.Next(256);
            }

            var corrupt = sections.With(info[..length], abbrev);
            var table = InlineTableReader.Read(corrupt, out _);
            Assert.InRange(table.Find(0x1200, chain), 0, 64);
        }
    }

    private static InlineTable ReadTable(string binary, out string? problem)
    {
        using var handle = File.OpenHandle(binary);
        Assert.True(ElfFile.TryOpen(handle, out var elf, out var error), error);
        return InlineTableReader.Read(elf!, out problem);
    }
}
