using SystemScope.Symbols.Elf;
using SystemScope.Symbols.Unwind;

namespace SystemScope.Symbols.Dwarf;

/// <summary>
/// Builds the <see cref="InlineTable"/> of one binary from <c>.debug_info</c> (DWARF 2 to 5): walks every
/// compilation unit's DIE tree, keeps the ranges and abstract origin of each DW_TAG_inlined_subroutine,
/// then names each origin once. Never throws: a unit that cannot be read is skipped, with the first reason kept.
/// </summary>
internal sealed class InlineTableReader
{
    // A ceiling on memory for hostile input; Chromium-sized binaries have a few million inlined ranges.
    private const int MaxRanges = 8_000_000;
    private const int MaxUnits = 1_000_000;
    private const int MaxNesting = 512;

    private const ushort TagCompileUnit = 0x11;
    private const ushort TagPartialUnit = 0x3c;
    private const ushort TagInlinedSubroutine = 0x1d;
    private const ushort AtLowPc = 0x11;
    private const ushort AtHighPc = 0x12;
    internal const ushort AtAbstractOrigin = 0x31;
    private const ushort AtRanges = 0x55;
    private const ushort AtStrOffsetsBase = 0x72;
    private const ushort AtAddrBase = 0x73;
    private const ushort AtRngListsBase = 0x74;

    private readonly DebugInfoSections _sections;
    private readonly DwarfAbbreviations _abbreviations;
    private readonly DwarfValues _values;
    private readonly List<DwarfUnit> _units = [];
    private readonly List<(ulong Low, ulong High, int Instance)> _ranges = [];
    private readonly List<int> _instanceParent = [];
    private readonly List<int> _instanceDepth = [];
    private readonly List<ulong> _instanceOrigin = [];
    private readonly List<(ulong Low, ulong High)> _scratch = [];

    private InlineTableReader(DebugInfoSections sections)
    {
        _sections = sections;
        _abbreviations = new DwarfAbbreviations(sections.Abbrev);
        _values = new DwarfValues(sections);
    }

    /// <summary>The first reason a unit or a range list could not be read, if any.</summary>
    public string? Problem { get; private set; }

    /// <summary>The inline table of <paramref name="elf"/>; empty, with a reason, when it has no readable debug info.</summary>
    public static InlineTable Read(ElfFile elf, out string? problem)
    {
        try
        {
            var sections = DebugInfoSections.TryLoad(elf, out problem);
            if (sections is null)
            {
                return InlineTable.Empty;
            }

            var reader = new InlineTableReader(sections);
            var table = reader.Build();
            problem ??= reader.Problem;
            return table;
        }
        catch (Exception ex) when (ex is IOException or OverflowException or IndexOutOfRangeException or ArgumentException or InvalidOperationException)
        {
            // Bounds are checked on every read; this is the last line for a case they missed.
            problem = $"debug info unreadable: {ex.Message}";
            return InlineTable.Empty;
        }
    }

    /// <summary>The inline table of already loaded sections (tests feed corrupt ones through this).</summary>
    internal static InlineTable Read(DebugInfoSections sections, out string? problem)
    {
        var reader = new InlineTableReader(sections);
        var table = reader.Build();
        problem = reader.Problem;
        return table;
    }

    private InlineTable Build()
    {
        var offset = 0;
        var info = _sections.Info;
        while (offset < info.Length && _units.Count < MaxUnits && _ranges.Count < MaxRanges)
        {
            var unit = ReadHeader(offset, out var next);
            if (next <= offset)
            {
                break;
            }

            if (unit is not null)
            {
                _units.Add(unit);
                if (!WalkUnit(unit))
                {
                    Problem ??= $"unit at 0x{unit.Start:x} ends early or uses an unknown form";
                }
            }

            offset = next;
        }

        return Assemble();
    }

    /// <summary>The unit header at <paramref name="offset"/>; null (with <paramref name="next"/> set) for units without code or unreadable ones.</summary>
    private DwarfUnit? ReadHeader(int offset, out int next)
    {
        next = -1;
        var info = _sections.Info;
        var cursor = new DwarfCursor(info, offset, info.Length);
        if (!cursor.TryU32(out var length32))
        {
            return null;
        }

        var is64 = length32 == uint.MaxValue;
        ulong length = length32;
        if ((is64 && !cursor.TryU64(out length)) || (!is64 && length32 >= 0xfffffff0))
        {
            Problem ??= $"unit at 0x{offset:x} has a reserved length";
            return null;
        }

        if (length > (ulong)cursor.Remaining)
        {
            Problem ??= $"unit at 0x{offset:x} runs past the end of .debug_info";
            return null;
        }

        var end = cursor.Position + (int)length;
        next = end;
        if (!cursor.TryU16(out var version) || version is < 2 or > 5)
        {
            Problem ??= $"unit at 0x{offset:x} has DWARF version {version}";
            return null;
        }

        byte unitType = 1;
        byte addressSize;
        ulong abbrevOffset;
        if (version >= 5)
        {
            if (!cursor.TryU8(out unitType) || !cursor.TryU8(out addressSize) || !cursor.TryOffset(is64, out abbrevOffset))
            {
                return null;
            }
        }
        else if (!cursor.TryOffset(is64, out abbrevOffset) || !cursor.TryU8(out addressSize))
        {
            return null;
        }

        // Type units, skeletons and split units describe no inlined code of this file.
        if (unitType is not (1 or 3) || addressSize is not (4 or 8))
        {
            return null;
        }

        var abbreviations = _abbreviations.TableAt(abbrevOffset);
        if (abbreviations is null)
        {
            Problem ??= $"unit at 0x{offset:x}: abbreviations at 0x{abbrevOffset:x} are unreadable";
            return null;
        }

        return new DwarfUnit
        {
            Start = offset,
            End = end,
            DiesStart = cursor.Position,
            Version = version,
            Is64 = is64,
            AddressSize = addressSize,
            Abbreviations = abbreviations,
        };
    }

    private bool WalkUnit(DwarfUnit unit)
    {
        var cursor = new DwarfCursor(_sections.Info, unit.DiesStart, unit.End);
        if (!ReadUnitDie(ref cursor, unit, out var hasChildren))
        {
            return false;
        }

        if (!hasChildren)
        {
            return true;
        }

        // Per nesting level: the inlined instance that encloses it (-1 for none).
        var enclosing = new Stack<int>();
        enclosing.Push(-1);
        while (enclosing.Count > 0 && cursor.Remaining > 0)
        {
            if (!cursor.TryUleb(out var code))
            {
                return false;
            }

            if (code == 0)
            {
                enclosing.Pop();
                continue;
            }

            if (!unit.Abbreviations.TryGetValue(code, out var abbreviation))
            {
                return false;
            }

            var parent = enclosing.Peek();
            var instance = abbreviation.Tag == TagInlinedSubroutine
                ? ReadInlined(ref cursor, unit, abbreviation, parent)
                : SkipAttributes(ref cursor, unit, abbreviation) ? parent : -2;
            if (instance == -2)
            {
                return false;
            }

            if (abbreviation.HasChildren)
            {
                if (enclosing.Count >= MaxNesting)
                {
                    return false;
                }

                enclosing.Push(instance);
            }

            if (_ranges.Count >= MaxRanges)
            {
                Problem ??= $"more than {MaxRanges} inlined ranges: the rest are left out";
                return true;
            }
        }

        return true;
    }

    private bool ReadUnitDie(ref DwarfCursor cursor, DwarfUnit unit, out bool hasChildren)
    {
        hasChildren = false;
        if (!cursor.TryUleb(out var code) || !unit.Abbreviations.TryGetValue(code, out var abbreviation)
            || abbreviation.Tag is not (TagCompileUnit or TagPartialUnit))
        {
            return false;
        }

        hasChildren = abbreviation.HasChildren;
        ushort lowForm = 0;
        ulong lowValue = 0;
        foreach (var spec in abbreviation.Attributes)
        {
            if (!DwarfForm.TryRead(ref cursor, spec.Form, unit, spec.ImplicitConst, out var value))
            {
                return false;
            }

            switch (spec.Name)
            {
                case AtLowPc:
                    (lowForm, lowValue) = (spec.Form, value);
                    break;
                case AtStrOffsetsBase:
                    unit.StrOffsetsBase = value;
                    break;
                case AtAddrBase:
                    unit.AddrBase = value;
                    break;
                case AtRngListsBase:
                    unit.RngListsBase = value;
                    unit.HasRngListsBase = true;
                    break;
            }
        }

        // The low_pc may be an index into .debug_addr, whose base can come after it: resolved last.
        if (lowForm != 0 && _values.TryAddress(lowForm, lowValue, unit, out var baseAddress))
        {
            unit.BaseAddress = baseAddress;
        }

        return true;
    }

    /// <summary>Reads one DW_TAG_inlined_subroutine; returns its instance index, or -2 when the DIE is unreadable.</summary>
    private int ReadInlined(ref DwarfCursor cursor, DwarfUnit unit, Abbreviation abbreviation, int parent)
    {
        ushort lowForm = 0, highForm = 0, rangesForm = 0;
        ulong low = 0, high = 0, ranges = 0, origin = ulong.MaxValue;
        foreach (var spec in abbreviation.Attributes)
        {
            if (!DwarfForm.TryRead(ref cursor, spec.Form, unit, spec.ImplicitConst, out var value))
            {
                return -2;
            }

            switch (spec.Name)
            {
                case AtLowPc:
                    (lowForm, low) = (spec.Form, value);
                    break;
                case AtHighPc:
                    (highForm, high) = (spec.Form, value);
                    break;
                case AtRanges:
                    (rangesForm, ranges) = (spec.Form, value);
                    break;
                case AtAbstractOrigin:
                    if (!DwarfForm.TryReference(spec.Form, value, unit, out origin))
                    {
                        origin = ulong.MaxValue;
                    }

                    break;
            }
        }

        var instance = _instanceParent.Count;
        _instanceParent.Add(parent);
        _instanceDepth.Add(parent < 0 ? 1 : _instanceDepth[parent] + 1);
        _instanceOrigin.Add(origin);

        _scratch.Clear();
        if (rangesForm != 0)
        {
            if (!_values.TryRanges(rangesForm, ranges, unit, _scratch))
            {
                Problem ??= $"range list 0x{ranges:x} of the inlined call at unit 0x{unit.Start:x} is unreadable";
            }
        }
        else if (lowForm != 0 && _values.TryAddress(lowForm, low, unit, out var start))
        {
            // high_pc is an address in its address forms, else (DWARF 4+) a length from low_pc.
            var end = highForm == 0 ? start
                : _values.TryAddress(highForm, high, unit, out var address) ? address
                : start + high;
            if (end > start)
            {
                _scratch.Add((start, end));
            }
        }

        foreach (var (rangeLow, rangeHigh) in _scratch)
        {
            _ranges.Add((rangeLow, rangeHigh, instance));
        }

        return instance;
    }

    private static bool SkipAttributes(ref DwarfCursor cursor, DwarfUnit unit, Abbreviation abbreviation)
    {
        foreach (var spec in abbreviation.Attributes)
        {
            if (!DwarfForm.TryRead(ref cursor, spec.Form, unit, spec.ImplicitConst, out _))
            {
                return false;
            }
        }

        return true;
    }

    private InlineTable Assemble()
    {
        var names = new List<string>();
        var nameIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var byOrigin = new Dictionary<ulong, int>();
        var resolver = new DwarfNames(_sections.Info, _values, _units);
        var instanceName = new int[_instanceOrigin.Count];
        for (var i = 0; i < instanceName.Length; i++)
        {
            var origin = _instanceOrigin[i];
            if (!byOrigin.TryGetValue(origin, out var index))
            {
                var name = resolver.NameAt(origin) ?? "??";
                if (!nameIndex.TryGetValue(name, out index))
                {
                    index = names.Count;
                    names.Add(name);
                    nameIndex[name] = index;
                }

                byOrigin[origin] = index;
            }

            instanceName[i] = index;
        }

        return new InlineTable(_ranges, [.. _instanceParent], [.. _instanceDepth], instanceName, [.. names]);
    }
}
