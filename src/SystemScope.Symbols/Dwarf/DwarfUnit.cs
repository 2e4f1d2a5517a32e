namespace SystemScope.Symbols.Dwarf;

/// <summary>
/// One compilation unit of <c>.debug_info</c>: where it lies, the sizes its forms are read with, and
/// the bases (from its unit DIE) that DWARF 5's indexed forms are relative to.
/// </summary>
internal sealed class DwarfUnit
{
    public required int Start { get; init; }

    public required int End { get; init; }

    /// <summary>Where the first DIE begins.</summary>
    public required int DiesStart { get; init; }

    public required ushort Version { get; init; }

    public required bool Is64 { get; init; }

    public required byte AddressSize { get; init; }

    public required Dictionary<ulong, Abbreviation> Abbreviations { get; init; }

    public int OffsetSize => Is64 ? 8 : 4;

    /// <summary>The unit's DW_AT_low_pc: what DWARF 4 range lists and offset pairs are relative to.</summary>
    public ulong BaseAddress { get; set; }

    public ulong StrOffsetsBase { get; set; }

    public ulong AddrBase { get; set; }

    public ulong RngListsBase { get; set; }

    /// <summary>Whether DW_AT_rnglists_base was given: without it a rnglistx form has no table to index.</summary>
    public bool HasRngListsBase { get; set; }
}
