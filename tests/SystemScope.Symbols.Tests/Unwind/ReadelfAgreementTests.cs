using SystemScope.Symbols.Unwind;
using Xunit.Abstractions;

namespace SystemScope.Symbols.Tests.Unwind;

/// <summary>
/// Every row binutils' readelf interprets from a file's .eh_frame / .debug_frame agrees with the
/// table at that address (CFA register and offset, where rbp is saved), and every FDE's end falls
/// back to frame pointers unless another FDE starts there.
/// </summary>
[Collection(UnwindBinariesCollection.Name)]
public sealed class ReadelfAgreementTests(UnwindBinaries binaries, ITestOutputHelper output)
{
    public static TheoryData<string> SystemFiles => new()
    {
        "/usr/lib/x86_64-linux-gnu/libc.so.6",
        "/lib64/ld-linux-x86-64.so.2",
        "/usr/bin/xz",
    };

    [Theory]
    [MemberData(nameof(SystemFiles))]
    public void The_machines_binaries_agree_with_readelf(string path)
    {
        Assert.True(File.Exists(path), $"{path} is part of every machine here");
        AssertAgrees(path, ".eh_frame", minimumRows: 100);
    }

    [Theory]
    [InlineData("o2", ".eh_frame")]
    [InlineData("o0", ".eh_frame")]
    [InlineData("both", ".eh_frame+.debug_frame")]
    [InlineData("debug-frame-only", ".debug_frame")]
    [InlineData("debug-frame-zlib", ".debug_frame")]
    public void Compiled_programs_agree_with_readelf(string name, string source) => AssertAgrees(binaries[name], source, minimumRows: 40);

    [Fact]
    public void Frame_pointer_code_unwinds_through_rbp()
    {
        Assert.True(UnwindTableBuilder.TryBuild(binaries.WithFramePointers, out var table, out var error), error);
        var main = Assert.Single(ReadelfFrames.Read(binaries.WithFramePointers), f => f.Start == Symbols(binaries.WithFramePointers)["main"]);

        // push rbp; mov rbp,rsp: from there on CFA = rbp+16 and the caller's rbp is at CFA-16.
        var body = main.Rows.Last(r => r.Cfa == "rbp+16").Location;
        Assert.True(table.TryFind(body, out var row));
        Assert.Equal((UnwindRule.CfaRbp, 16, -16), (row.Rule, row.CfaOffset, row.RbpOffset));
    }

    internal static Dictionary<string, ulong> Symbols(string path) =>
        Support.NativeBinaries.NmFunctions(path);

    private void AssertAgrees(string path, string source, int minimumRows)
    {
        Assert.True(UnwindTableBuilder.TryBuild(path, out var table, out var error), error);
        Assert.Null(error);
        Assert.Equal(source, table.Source);
        TableInvariants.AssertWellFormed(table);

        var result = ReadelfAgreement.Compare(table, ReadelfFrames.Read(path), ReadelfAgreement.PltRanges(path));
        output.WriteLine($"{path}: {result.RowsChecked} readelf rows and {result.FdeEndsChecked} FDE ends checked, {result.FdesSkippedAsOverlapping} overlapping FDEs left to the earlier one; {table.Statistics}");
        Assert.True(result.RowsChecked >= minimumRows, $"only {result.RowsChecked} rows compared");
        Assert.True(result.Disagreements.Count == 0, $"{result.Disagreements.Count} disagreements, first: {string.Join("\n", result.Disagreements.Take(20))}");
    }
}
