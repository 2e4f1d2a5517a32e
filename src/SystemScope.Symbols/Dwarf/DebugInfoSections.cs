using SystemScope.Symbols.Elf;
using SystemScope.Symbols.Unwind;

namespace SystemScope.Symbols.Dwarf;

/// <summary>
/// The DWARF sections an inline table is read from, inflated when compressed. A missing optional
/// section is empty: every read of it then fails cleanly instead of guessing.
/// </summary>
internal sealed class DebugInfoSections
{
    private const uint ShtNobits = 8;

    public byte[] Info { get; private init; } = [];

    public byte[] Abbrev { get; private init; } = [];

    public byte[] Str { get; private init; } = [];

    public byte[] LineStr { get; private init; } = [];

    public byte[] StrOffsets { get; private init; } = [];

    public byte[] Addr { get; private init; } = [];

    public byte[] Ranges { get; private init; } = [];

    public byte[] RngLists { get; private init; } = [];

    /// <summary>True when the file has a <c>.debug_info</c> with contents (a stripped binary keeps none).</summary>
    public static bool IsPresent(ElfFile elf) => Find(elf, "info") is not null;

    /// <summary>The sections of <paramref name="elf"/>, or null with a reason when .debug_info or .debug_abbrev cannot be read.</summary>
    public static DebugInfoSections? TryLoad(ElfFile elf, out string? problem)
    {
        problem = null;
        var info = Read(elf, "info", ref problem);
        var abbrev = Read(elf, "abbrev", ref problem);
        if (info.Length == 0 || abbrev.Length == 0)
        {
            problem ??= "no .debug_info or .debug_abbrev";
            return null;
        }

        return new DebugInfoSections
        {
            Info = info,
            Abbrev = abbrev,
            Str = Read(elf, "str", ref problem),
            LineStr = Read(elf, "line_str", ref problem),
            StrOffsets = Read(elf, "str_offsets", ref problem),
            Addr = Read(elf, "addr", ref problem),
            Ranges = Read(elf, "ranges", ref problem),
            RngLists = Read(elf, "rnglists", ref problem),
        };
    }

    /// <summary>The same sections with other .debug_info and .debug_abbrev contents.</summary>
    internal DebugInfoSections With(byte[] info, byte[] abbrev) => new()
    {
        Info = info,
        Abbrev = abbrev,
        Str = Str,
        LineStr = LineStr,
        StrOffsets = StrOffsets,
        Addr = Addr,
        Ranges = Ranges,
        RngLists = RngLists,
    };

    private static byte[] Read(ElfFile elf, string suffix, ref string? problem)
    {
        if (Find(elf, suffix) is not { } section)
        {
            return [];
        }

        if (UnwindSectionLoader.TryReadSection(elf, section, out var bytes, out var error))
        {
            return bytes;
        }

        problem ??= $"{section.Name}: {error}";
        return [];
    }

    // .debug_X, or GNU's older compressed .zdebug_X; a debug file's NOBITS placeholders hold nothing.
    private static ElfSection? Find(ElfFile elf, string suffix)
    {
        foreach (var section in elf.Sections)
        {
            if (section.Type != ShtNobits && section.Size > 0
                && (section.Name == ".debug_" + suffix || section.Name == ".zdebug_" + suffix))
            {
                return section;
            }
        }

        return null;
    }
}
