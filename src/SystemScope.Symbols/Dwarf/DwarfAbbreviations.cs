using SystemScope.Symbols.Unwind;

namespace SystemScope.Symbols.Dwarf;

/// <summary>One attribute of an abbreviation: its name, its form, and the value of an implicit_const form.</summary>
internal readonly record struct AttributeSpec(ushort Name, ushort Form, long ImplicitConst);

/// <summary>One abbreviation of <c>.debug_abbrev</c>: the tag of the DIEs that use it, whether they have children, their attributes.</summary>
internal sealed record Abbreviation(ushort Tag, bool HasChildren, AttributeSpec[] Attributes);

/// <summary>Parses the abbreviation tables of <c>.debug_abbrev</c>, once per table offset (units often share one).</summary>
internal sealed class DwarfAbbreviations(byte[] section)
{
    // gcc emits a few hundred per unit; far more is a corrupt table.
    private const int MaxPerTable = 1 << 16;
    private const int MaxAttributes = 256;

    private readonly Dictionary<ulong, Dictionary<ulong, Abbreviation>?> _tables = [];

    /// <summary>The table at <paramref name="offset"/>, or null when it is unreadable.</summary>
    public Dictionary<ulong, Abbreviation>? TableAt(ulong offset)
    {
        if (!_tables.TryGetValue(offset, out var table))
        {
            table = Parse(offset);
            _tables[offset] = table;
        }

        return table;
    }

    private Dictionary<ulong, Abbreviation>? Parse(ulong offset)
    {
        if (offset >= (ulong)section.Length)
        {
            return null;
        }

        var cursor = new DwarfCursor(section, (int)offset, section.Length);
        var table = new Dictionary<ulong, Abbreviation>();
        var attributes = new List<AttributeSpec>();
        while (table.Count < MaxPerTable)
        {
            if (!cursor.TryUleb(out var code))
            {
                return null;
            }

            if (code == 0)
            {
                return table;
            }

            if (!cursor.TryUleb(out var tag) || !cursor.TryU8(out var children))
            {
                return null;
            }

            attributes.Clear();
            while (true)
            {
                if (!cursor.TryUleb(out var name) || !cursor.TryUleb(out var form))
                {
                    return null;
                }

                if (name == 0 && form == 0)
                {
                    break;
                }

                long implicitConst = 0;
                if (form == DwarfForm.ImplicitConst && !cursor.TrySleb(out implicitConst))
                {
                    return null;
                }

                if (attributes.Count >= MaxAttributes || name > ushort.MaxValue || form > ushort.MaxValue)
                {
                    return null;
                }

                attributes.Add(new AttributeSpec((ushort)name, (ushort)form, implicitConst));
            }

            table[code] = new Abbreviation((ushort)Math.Min(tag, ushort.MaxValue), children != 0, [.. attributes]);
        }

        return null;
    }
}
