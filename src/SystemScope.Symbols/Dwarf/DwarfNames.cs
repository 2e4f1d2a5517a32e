using SystemScope.Symbols.Unwind;

namespace SystemScope.Symbols.Dwarf;

/// <summary>Names DIEs by .debug_info offset, following abstract origins and specifications across units.</summary>
internal sealed class DwarfNames(byte[] info, DwarfValues values, List<DwarfUnit> units)
{
    private const int MaxOriginHops = 8;
    private const ushort AtName = 0x03;
    private const ushort AtSpecification = 0x47;
    private const ushort AtLinkageName = 0x6e;
    private const ushort AtMipsLinkageName = 0x2007;

    /// <summary>
    /// The name of the DIE at a .debug_info offset: its linkage name, else its name (binutils prefers the
    /// linkage name too), else that of the DIE its abstract origin or specification points to.
    /// </summary>
    public string? NameAt(ulong offset)
    {
        for (var hop = 0; hop < MaxOriginHops && offset < (ulong)info.Length; hop++)
        {
            var unit = UnitHolding((int)offset);
            if (unit is null)
            {
                return null;
            }

            var cursor = new DwarfCursor(info, (int)offset, unit.End);
            if (!cursor.TryUleb(out var code) || !unit.Abbreviations.TryGetValue(code, out var abbreviation))
            {
                return null;
            }

            string? name = null, linkage = null;
            var next = ulong.MaxValue;
            foreach (var spec in abbreviation.Attributes)
            {
                if (!DwarfForm.TryRead(ref cursor, spec.Form, unit, spec.ImplicitConst, out var value))
                {
                    return linkage ?? name;
                }

                switch (spec.Name)
                {
                    case AtName:
                        name = values.String(spec.Form, value, unit);
                        break;
                    case AtLinkageName or AtMipsLinkageName:
                        linkage = values.String(spec.Form, value, unit);
                        break;
                    case InlineTableReader.AtAbstractOrigin or AtSpecification:
                        if (DwarfForm.TryReference(spec.Form, value, unit, out var target))
                        {
                            next = target;
                        }

                        break;
                }
            }

            if ((linkage ?? name) is { } found)
            {
                return found;
            }

            offset = next;
        }

        return null;
    }

    private DwarfUnit? UnitHolding(int offset)
    {
        int low = 0, high = units.Count - 1;
        while (low <= high)
        {
            var middle = low + ((high - low) / 2);
            var unit = units[middle];
            if (offset < unit.Start)
            {
                high = middle - 1;
            }
            else if (offset >= unit.End)
            {
                low = middle + 1;
            }
            else
            {
                return offset >= unit.DiesStart ? unit : null;
            }
        }

        return null;
    }
}
