using Microsoft.Win32.SafeHandles;
using SystemScope.Symbols.Elf;

namespace SystemScope.Symbols.Unwind;

/// <summary>
/// Builds the <see cref="UnwindTable"/> of an ELF file from its <c>.eh_frame</c> and, where
/// present, <c>.debug_frame</c>. Never throws on bad input: corrupt parts are counted in the
/// statistics and left out, and the rest is kept.
/// </summary>
public static class UnwindTableBuilder
{
    // 8M rows of 24 bytes while building: ~200 MB at worst, ~8x the largest real library here.
    private const int MaxRows = 8 * 1024 * 1024;

    // Real sections hold about one row per 5 bytes: sizing for one per 4 avoids regrowing the list.
    private const int SectionBytesPerRow = 4;

    /// <summary>
    /// True with the table when one could be built (<paramref name="error"/> then names the first
    /// defect of a partial table, or is null); false with the reason when nothing usable was found.
    /// </summary>
    public static bool TryBuild(string path, out UnwindTable table, out string? error)
    {
        try
        {
            using var handle = File.OpenHandle(path);
            return TryBuild(handle, out table, out error);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            table = UnwindTable.Empty(new UnwindStatistics());
            error = $"{path}: {ex.Message}";
            return false;
        }
    }

    /// <summary>As <see cref="TryBuild(string, out UnwindTable, out string?)"/> for an open file (such as a /proc/PID/map_files entry); the handle stays the caller's.</summary>
    public static bool TryBuild(SafeFileHandle handle, out UnwindTable table, out string? error)
    {
        if (!ElfFile.TryOpen(handle, out var elf, out error) || elf is null)
        {
            table = UnwindTable.Empty(new UnwindStatistics());
            return false;
        }

        return TryBuild(elf, out table, out error);
    }

    internal static bool TryBuild(ElfFile elf, out UnwindTable table, out string? error)
    {
        var statistics = new UnwindStatistics();
        table = UnwindTable.Empty(statistics);
        try
        {
            if (UnwindRegisters.ForMachine(elf.Header.Machine) is not { } registers)
            {
                error = $"unwind tables are built for x86_64 only (e_machine {elf.Header.Machine})";
                return false;
            }

            var sections = UnwindSectionLoader.Load(elf, statistics);
            if (sections.Count == 0)
            {
                error = statistics.FirstDefect ?? "no .eh_frame or .debug_frame";
                return false;
            }

            table = Build(sections, registers, statistics);
            error = statistics.FirstDefect;
            return table.Rows.Length > 0 || error is null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = $"read failed: {ex.Message}";
            return false;
        }
    }

    /// <summary>The table of sections already in memory (.eh_frame first).</summary>
    internal static UnwindTable Build(List<UnwindSection> sections, UnwindRegisters registers, UnwindStatistics statistics)
    {
        var expectedRows = (int)Math.Min(MaxRows, sections.Sum(s => (long)s.Data.Length) / SectionBytesPerRow);
        var writer = new FdeRowWriter(registers, statistics, MaxRows, expectedRows);
        var reader = new CfiSectionReader(new CfaInterpreter(registers), writer, statistics, rangesOnly: false);
        foreach (var section in sections)
        {
            reader.Read(section);
        }

        var pieces = UnwindTableAssembler.Pieces(writer.Fdes, statistics);
        var rows = UnwindTableAssembler.Rows(pieces, writer.Fdes, writer.Rows);
        return new UnwindTable(rows, Functions(pieces), SourceOf(writer.Fdes), sections.Sum(s => (long)s.Data.Length), statistics);
    }

    /// <summary>
    /// Only the functions' address ranges (FDE ranges, sorted and disjoint), without running any CFA
    /// instruction: the cheap pass that names code in stripped binaries.
    /// </summary>
    internal static (ulong Start, ulong End)[] ReadFunctionRanges(ElfFile elf)
    {
        try
        {
            var statistics = new UnwindStatistics();
            var sections = UnwindSectionLoader.Load(elf, statistics);
            var registers = UnwindRegisters.ForMachine(elf.Header.Machine) ?? UnwindRegisters.X86_64;
            var writer = new FdeRowWriter(registers, statistics, MaxRows, expectedRows: 0);
            var reader = new CfiSectionReader(new CfaInterpreter(registers), writer, statistics, rangesOnly: true);
            foreach (var section in sections)
            {
                reader.Read(section);
            }

            return Functions(UnwindTableAssembler.Pieces(writer.Fdes, statistics));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static (ulong Start, ulong End)[] Functions(List<UnwindTableAssembler.Piece> pieces)
    {
        var functions = new (ulong Start, ulong End)[pieces.Count];
        for (var i = 0; i < functions.Length; i++)
        {
            functions[i] = (pieces[i].Start, pieces[i].End);
        }

        return functions;
    }

    private static string SourceOf(List<FdeExtent> fdes)
    {
        var fromEh = fdes.Any(f => f.Priority == 0);
        var fromDebug = fdes.Any(f => f.Priority == 1);
        return (fromEh, fromDebug) switch
        {
            (true, true) => $"{UnwindSection.EhFrame}+{UnwindSection.DebugFrame}",
            (true, false) => UnwindSection.EhFrame,
            (false, true) => UnwindSection.DebugFrame,
            _ => "none",
        };
    }
}
