namespace SystemScope.Symbols.Unwind;

/// <summary>Where encoded pointers of one section are relative to (the bases of DW_EH_PE_*rel).</summary>
/// <param name="SectionAddress">The section's virtual address: the base of pcrel (0 for non-allocated .debug_frame).</param>
/// <param name="TextAddress">The start of <c>.text</c>, for textrel; null when unknown.</param>
/// <param name="DataAddress">The start of <c>.got</c>, for datarel; null when unknown.</param>
internal readonly record struct PointerBases(ulong SectionAddress, ulong? TextAddress, ulong? DataAddress);

/// <summary>Decodes the GNU exception-header pointer encodings (DW_EH_PE_*) used in CIE augmentations and FDEs.</summary>
internal static class PointerEncoding
{
    public const byte Absolute = 0x00;
    public const byte Omit = 0xFF;

    private const byte Uleb128 = 0x01;
    private const byte Udata2 = 0x02;
    private const byte Udata4 = 0x03;
    private const byte Udata8 = 0x04;
    private const byte Signed = 0x08;
    private const byte Sleb128 = 0x09;
    private const byte Sdata2 = 0x0A;
    private const byte Sdata4 = 0x0B;
    private const byte Sdata8 = 0x0C;
    private const byte PcRelative = 0x10;
    private const byte TextRelative = 0x20;
    private const byte DataRelative = 0x30;
    private const byte FunctionRelative = 0x40;
    private const byte Aligned = 0x50;
    private const byte Indirect = 0x80;

    /// <summary>
    /// Reads one pointer. <paramref name="valueOnly"/> reads just the number (an FDE's address range,
    /// whose encoding names only a format). An indirect pointer is read (so the fields after it can
    /// be) but is <see cref="PointerStatus.Unusable"/>: its value lives in memory this reader does not have.
    /// </summary>
    public static PointerStatus Read(ref DwarfCursor cursor, byte encoding, int addressSize, in PointerBases bases, bool valueOnly, out ulong value)
    {
        value = 0;
        if (encoding == Omit)
        {
            return PointerStatus.Ok;
        }

        var fieldAddress = bases.SectionAddress + (ulong)cursor.Position;
        var application = valueOnly ? 0 : encoding & 0x70;
        if (application == Aligned)
        {
            // The pointer is at the next address-size boundary and absolute.
            var misalign = (int)(fieldAddress % (ulong)addressSize);
            if (misalign != 0 && !cursor.TrySkip((ulong)(addressSize - misalign)))
            {
                return PointerStatus.Truncated;
            }
        }

        var format = encoding & 0x0F;
        if (format is not (Absolute or Signed or Uleb128 or Udata2 or Udata4 or Udata8 or Sleb128 or Sdata2 or Sdata4 or Sdata8))
        {
            // An unknown format has an unknown size: nothing after it can be read either.
            return PointerStatus.UnknownFormat;
        }

        if (!TryReadValue(ref cursor, format, addressSize, out value))
        {
            return PointerStatus.Truncated;
        }

        if (valueOnly)
        {
            return PointerStatus.Ok;
        }

        if ((encoding & Indirect) != 0)
        {
            return PointerStatus.Unusable;
        }

        switch (application)
        {
            case Absolute or Aligned:
                return PointerStatus.Ok;
            case PcRelative:
                value = unchecked(value + fieldAddress);
                return PointerStatus.Ok;
            case TextRelative when bases.TextAddress is { } text:
                value = unchecked(value + text);
                return PointerStatus.Ok;
            case DataRelative when bases.DataAddress is { } data:
                value = unchecked(value + data);
                return PointerStatus.Ok;
            default:
                // funcrel only makes sense inside a function (LSDA data); an unknown base is unusable.
                return PointerStatus.Unusable;
        }
    }

    private static bool TryReadValue(ref DwarfCursor cursor, int format, int addressSize, out ulong value)
    {
        value = 0;
        switch (format)
        {
            case Absolute or Signed when addressSize == 4:
                var ok32 = cursor.TryU32(out var word);
                value = format == Signed ? (ulong)(long)(int)word : word;
                return ok32;
            case Absolute or Signed or Udata8 or Sdata8:
                return cursor.TryU64(out value);
            case Uleb128:
                return cursor.TryUleb(out value);
            case Udata2:
                var ok2 = cursor.TryU16(out var u16);
                value = u16;
                return ok2;
            case Udata4:
                var ok4 = cursor.TryU32(out var u32);
                value = u32;
                return ok4;
            case Sleb128:
                var okLeb = cursor.TrySleb(out var s);
                value = (ulong)s;
                return okLeb;
            case Sdata2:
                var okS2 = cursor.TryU16(out var s16);
                value = (ulong)(long)(short)s16;
                return okS2;
            default:
                var okS4 = cursor.TryU32(out var s32);
                value = (ulong)(long)(int)s32;
                return okS4;
        }
    }
}

/// <summary>The outcome of reading one encoded pointer.</summary>
internal enum PointerStatus
{
    Ok,

    /// <summary>The field runs past its entry.</summary>
    Truncated,

    /// <summary>Read, but its value cannot be known here (indirect, or relative to an unknown base).</summary>
    Unusable,

    /// <summary>An unknown format: its size is unknown, so nothing after it can be read.</summary>
    UnknownFormat,
}
