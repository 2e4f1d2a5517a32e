using SystemScope.Symbols.Unwind;

namespace SystemScope.Symbols.Tests.Unwind;

/// <summary>
/// A binary whose unwind info lives only in .debug_frame (plain or zlib-compressed) gives the same
/// rules as the same code described by .eh_frame; with both, .eh_frame wins and .debug_frame fills.
/// </summary>
[Collection(UnwindBinariesCollection.Name)]
public sealed class DebugFrameTests(UnwindBinaries binaries)
{
    [Theory]
    [InlineData("debug-frame-only")]
    [InlineData("debug-frame-zlib")]
    [InlineData("both")]
    public void Debug_frame_gives_the_rules_of_eh_frame(string name)
    {
        Assert.True(UnwindTableBuilder.TryBuild(binaries.WithoutFramePointers, out var reference, out var error), error);
        Assert.True(UnwindTableBuilder.TryBuild(binaries[name], out var table, out error), error);

        var functions = Support.NativeBinaries.NmFunctions(binaries.WithoutFramePointers)
            .Where(f => f.Key.Split('.')[0] is "main" or "leaf_mix" or "uses_alloca" or "big_frame" or "recurse" or "many_saved" or "early_return" || f.Key.StartsWith("worker_", StringComparison.Ordinal))
            .Select(f => reference.Functions.Single(r => r.Start == f.Value))
            .ToList();
        Assert.Equal(23, functions.Count);

        var compared = 0;
        foreach (var (start, end) in functions)
        {
            for (var address = start; address <= end; address++)
            {
                Assert.True(reference.TryFind(address, out var expected));
                Assert.True(table.TryFind(address, out var actual), $"{name}: no row at 0x{address:x}");
                Assert.True(expected.SameRuleAs(actual), $"{name} at 0x{address:x}: {actual}, .eh_frame says {expected}");
                compared++;
            }
        }

        Assert.Contains(reference.Rows, r => r.Rule == UnwindRule.CfaRbp); // alloca keeps a frame pointer: both rules are exercised
        Assert.True(compared > 1000);
    }

    [Fact]
    public void The_compressed_section_is_compressed_and_read()
    {
        var sections = Support.Tool.Run("readelf", "-SW", binaries.CompressedDebugFrame);
        var line = sections.Split('\n').Single(l => l.Contains(".debug_frame", StringComparison.Ordinal));
        Assert.Matches(@"\s[A-Z]*C[A-Z]*\s+\d+\s+\d+\s+\d+\s*$", line); // the SHF_COMPRESSED flag

        Assert.True(UnwindTableBuilder.TryBuild(binaries.CompressedDebugFrame, out var compressed, out var error), error);
        Assert.True(UnwindTableBuilder.TryBuild(binaries.DebugFrameOnly, out var plain, out error), error);
        Assert.Equal(plain.Rows, compressed.Rows);
        Assert.Equal(plain.SectionBytes, compressed.SectionBytes);
    }
}
