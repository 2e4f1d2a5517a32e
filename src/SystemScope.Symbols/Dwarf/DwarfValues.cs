using System.Text;
using SystemScope.Symbols.Unwind;

namespace SystemScope.Symbols.Dwarf;

/// <summary>
/// Turns attribute values into what they stand for: strings (inline, <c>.debug_str</c>,
/// <c>.debug_line_str</c>, indexed through <c>.debug_str_offsets</c>), addresses (direct or indexed
/// through <c>.debug_addr</c>) and address ranges (DWARF 4 <c>.debug_ranges</c>, DWARF 5 <c>.debug_rnglists</c>).
/// </summary>
internal sealed class DwarfValues(DebugInfoSections sections)
{
    // A range list longer than this is corrupt (real ones have a handful of entries).
    private const int MaxRangeEntries = 65_536;

    public string? String(ushort form, ulong value, DwarfUnit unit)
    {
        switch (form)
        {
            case DwarfForm.String:
                return CString(sections.Info, value);
            case DwarfForm.Strp:
                return CString(sections.Str, value);
            case DwarfForm.LineStrp:
                return CString(sections.LineStr, value);
            default:
                if (!DwarfForm.IsStringIndex(form))
                {
                    return null;
                }

                var entry = unit.StrOffsetsBase + (value * (ulong)unit.OffsetSize);
                return value < int.MaxValue && TryWord(sections.StrOffsets, entry, unit.OffsetSize, out var offset)
                    ? CString(sections.Str, offset)
                    : null;
        }
    }

    public bool TryAddress(ushort form, ulong value, DwarfUnit unit, out ulong address)
    {
        if (form == DwarfForm.Addr)
        {
            address = value;
            return true;
        }

        address = 0;
        return DwarfForm.IsAddressIndex(form) && TryIndexedAddress(value, unit, out address);
    }

    /// <summary>Adds the ranges of a DW_AT_ranges value to <paramref name="ranges"/>; false when the list is unreadable.</summary>
    public bool TryRanges(ushort form, ulong value, DwarfUnit unit, List<(ulong Low, ulong High)> ranges)
    {
        if (unit.Version >= 5)
        {
            ulong offset;
            if (form == DwarfForm.Rnglistx)
            {
                if (!unit.HasRngListsBase || value >= int.MaxValue
                    || !TryWord(sections.RngLists, unit.RngListsBase + (value * (ulong)unit.OffsetSize), unit.OffsetSize, out var relative))
                {
                    return false;
                }

                offset = unit.RngListsBase + relative;
            }
            else
            {
                offset = value;
            }

            return TryRngList(offset, unit, ranges);
        }

        return TryRangeList(value, unit, ranges);
    }

    // DWARF 2-4: pairs of addresses relative to the base, a (-1, base) pair changes the base, (0, 0) ends.
    private bool TryRangeList(ulong offset, DwarfUnit unit, List<(ulong Low, ulong High)> ranges)
    {
        if (offset >= (ulong)sections.Ranges.Length)
        {
            return false;
        }

        var size = unit.AddressSize;
        var selector = size == 4 ? uint.MaxValue : ulong.MaxValue;
        var cursor = new DwarfCursor(sections.Ranges, (int)offset, sections.Ranges.Length);
        var baseAddress = unit.BaseAddress;
        for (var i = 0; i < MaxRangeEntries; i++)
        {
            if (!TryAddressSized(ref cursor, size, out var start) || !TryAddressSized(ref cursor, size, out var end))
            {
                return false;
            }

            if (start == 0 && end == 0)
            {
                return true;
            }

            if (start == selector)
            {
                baseAddress = end;
                continue;
            }

            Add(ranges, baseAddress + start, baseAddress + end);
        }

        return false;
    }

    // DWARF 5: typed entries (DW_RLE_*).
    private bool TryRngList(ulong offset, DwarfUnit unit, List<(ulong Low, ulong High)> ranges)
    {
        if (offset >= (ulong)sections.RngLists.Length)
        {
            return false;
        }

        var size = unit.AddressSize;
        var cursor = new DwarfCursor(sections.RngLists, (int)offset, sections.RngLists.Length);
        var baseAddress = unit.BaseAddress;
        for (var i = 0; i < MaxRangeEntries; i++)
        {
            if (!cursor.TryU8(out var kind))
            {
                return false;
            }

            ulong a, b, start, length;
            switch (kind)
            {
                case 0: // end_of_list
                    return true;
                case 1: // base_addressx
                    if (!cursor.TryUleb(out a) || !TryIndexedAddress(a, unit, out baseAddress))
                    {
                        return false;
                    }

                    break;
                case 2: // startx_endx
                    if (!cursor.TryUleb(out a) || !cursor.TryUleb(out b) || !TryIndexedAddress(a, unit, out start) || !TryIndexedAddress(b, unit, out var end))
                    {
                        return false;
                    }

                    Add(ranges, start, end);
                    break;
                case 3: // startx_length
                    if (!cursor.TryUleb(out a) || !cursor.TryUleb(out length) || !TryIndexedAddress(a, unit, out start))
                    {
                        return false;
                    }

                    Add(ranges, start, start + length);
                    break;
                case 4: // offset_pair
                    if (!cursor.TryUleb(out a) || !cursor.TryUleb(out b))
                    {
                        return false;
                    }

                    Add(ranges, baseAddress + a, baseAddress + b);
                    break;
                case 5: // base_address
                    if (!TryAddressSized(ref cursor, size, out baseAddress))
                    {
                        return false;
                    }

                    break;
                case 6: // start_end
                    if (!TryAddressSized(ref cursor, size, out a) || !TryAddressSized(ref cursor, size, out b))
                    {
                        return false;
                    }

                    Add(ranges, a, b);
                    break;
                case 7: // start_length
                    if (!TryAddressSized(ref cursor, size, out a) || !cursor.TryUleb(out length))
                    {
                        return false;
                    }

                    Add(ranges, a, a + length);
                    break;
                default:
                    return false;
            }
        }

        return false;
    }

    private static void Add(List<(ulong Low, ulong High)> ranges, ulong low, ulong high)
    {
        if (high > low)
        {
            ranges.Add((low, high));
        }
    }

    private bool TryIndexedAddress(ulong index, DwarfUnit unit, out ulong address)
    {
        address = 0;
        return index < int.MaxValue && TryWord(sections.Addr, unit.AddrBase + (index * unit.AddressSize), unit.AddressSize, out address);
    }

    private static bool TryAddressSized(ref DwarfCursor cursor, int size, out ulong value)
    {
        if (size == 8)
        {
            return cursor.TryU64(out value);
        }

        var ok = cursor.TryU32(out var word);
        value = word;
        return ok && size == 4;
    }

    private static bool TryWord(byte[] section, ulong offset, int size, out ulong value)
    {
        value = 0;
        if (size is not (4 or 8) || offset > (ulong)section.Length || (ulong)section.Length - offset < (ulong)size)
        {
            return false;
        }

        var cursor = new DwarfCursor(section, (int)offset, section.Length);
        return size == 8 ? cursor.TryU64(out value) : TryU32(ref cursor, out value);
    }

    private static bool TryU32(ref DwarfCursor cursor, out ulong value)
    {
        var ok = cursor.TryU32(out var word);
        value = word;
        return ok;
    }

    private static string? CString(byte[] section, ulong offset)
    {
        if (offset >= (ulong)section.Length)
        {
            return null;
        }

        var rest = section.AsSpan((int)offset);
        var end = rest.IndexOf((byte)0);
        return end < 0 ? null : Encoding.UTF8.GetString(rest[..end]);
    }
}
