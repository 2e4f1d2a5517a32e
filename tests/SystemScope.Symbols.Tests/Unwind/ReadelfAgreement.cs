using System.Globalization;
using SystemScope.Symbols.Elf;
using SystemScope.Symbols.Unwind;

namespace SystemScope.Symbols.Tests.Unwind;

/// <summary>
/// What a table row must be where readelf prints a row, and the comparison of a whole file. The
/// rules follow the table's contract: CFA rsp/rbp + 0..65535, the return address at CFA-8, rbp
/// saved at a multiple of 8 in [-1024, 1016]; anything else falls back to frame pointers.
/// </summary>
internal static class ReadelfAgreement
{
    public sealed record Result(int RowsChecked, int FdeEndsChecked, int FdesSkippedAsOverlapping, List<string> Disagreements);

    public static Result Compare(UnwindTable table, List<ReadelfFde> fdes, (ulong Start, ulong End)[] plt)
    {
        var disagreements = new List<string>();
        var rowsChecked = 0;
        var kept = new List<ReadelfFde>();
        var skipped = 0;
        foreach (var fde in fdes.Where(f => f.End > f.Start).OrderBy(f => f.Section == ".eh_frame" ? 0 : 1).ThenBy(f => f.Start))
        {
            // Where FDEs overlap, the table keeps the earlier one (and .eh_frame over .debug_frame): readelf has no say there.
            if (kept.Any(k => k.Start < fde.End && fde.Start < k.End))
            {
                skipped++;
                continue;
            }

            kept.Add(fde);
            var inPlt = plt.Any(p => p.Start < fde.End && fde.Start < p.End);
            foreach (var row in fde.Rows.Where(r => r.Location >= fde.Start && r.Location < fde.End))
            {
                rowsChecked++;
                var expected = Expected(fde, row, inPlt);
                if (!table.TryFind(row.Location, out var actual) || !actual.SameRuleAs(expected))
                {
                    disagreements.Add($"{fde.Section} 0x{row.Location:x} (FDE 0x{fde.Start:x}..0x{fde.End:x}, CFA {row.Cfa}, rbp {row.Rbp ?? "-"}, ra {row.ReturnAddress}): expected {expected}, table has {actual}");
                }
            }
        }

        var endsChecked = 0;
        foreach (var fde in kept.Where(f => !kept.Any(k => k.Start <= f.End && f.End < k.End)))
        {
            endsChecked++;
            if (!table.TryFind(fde.End, out var atEnd) || atEnd.Rule != UnwindRule.FramePointer)
            {
                disagreements.Add($"end of FDE 0x{fde.Start:x}..0x{fde.End:x}: expected a frame-pointer row, table has {atEnd}");
            }
        }

        return new Result(rowsChecked, endsChecked, skipped, disagreements);
    }

    public static (ulong Start, ulong End)[] PltRanges(string path)
    {
        using var handle = File.OpenHandle(path);
        Assert.True(ElfFile.TryOpen(handle, out var elf, out var error), error);
        return elf!.Sections.Where(s => s.Name is ".plt" or ".plt.sec" or ".plt.got").Select(s => (s.Address, s.Address + s.Size)).ToArray();
    }

    public static UnwindRow Expected(ReadelfFde fde, ReadelfRow row, bool inPlt)
    {
        var fallback = new UnwindRow(row.Location, UnwindRule.FramePointer, 0, 0);
        if (fde.Augmentation.Contains('S', StringComparison.Ordinal))
        {
            return new UnwindRow(row.Location, UnwindRule.Signal, 0, 0);
        }

        if (row.ReturnAddress == "u")
        {
            return new UnwindRow(row.Location, UnwindRule.End, 0, 0);
        }

        if (row.ReturnAddress != "c-8" || !TryRbpOffset(row.Rbp, out var rbpOffset))
        {
            return fallback;
        }

        if (row.Cfa == "exp")
        {
            return inPlt ? new UnwindRow(row.Location, UnwindRule.Plt, 0, rbpOffset) : fallback;
        }

        var rule = row.Cfa.StartsWith("rsp", StringComparison.Ordinal) ? UnwindRule.CfaRsp
            : row.Cfa.StartsWith("rbp", StringComparison.Ordinal) ? UnwindRule.CfaRbp
            : UnwindRule.FramePointer;
        var offset = rule == UnwindRule.FramePointer ? -1 : long.Parse(row.Cfa[3..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        return offset is >= 0 and <= 65535 ? new UnwindRow(row.Location, rule, (int)offset, rbpOffset) : fallback;
    }

    // readelf prints "u" for a register never saved or undefined, "s" for same value, "c-16" for CFA-16.
    private static bool TryRbpOffset(string? column, out int offset)
    {
        offset = 0;
        if (column is null or "u" or "s")
        {
            return true;
        }

        if (!column.StartsWith("c", StringComparison.Ordinal) || !int.TryParse(column[1..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out offset))
        {
            return false;
        }

        return offset is >= -1024 and <= 1016 && offset % 8 == 0 && offset != 0;
    }
}
