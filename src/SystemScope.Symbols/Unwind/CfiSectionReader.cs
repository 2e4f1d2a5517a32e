namespace SystemScope.Symbols.Unwind;

/// <summary>
/// Walks the CIEs and FDEs of one <c>.eh_frame</c> or <c>.debug_frame</c> section (32- and 64-bit
/// DWARF lengths, zero terminators) and hands every FDE's rows to the writer. An entry that runs past
/// the section ends the walk, a bad entry is skipped; either way what was read before is kept.
/// </summary>
internal sealed class CfiSectionReader(CfaInterpreter interpreter, FdeRowWriter writer, UnwindStatistics statistics, bool rangesOnly)
{
    // Far above real binaries (libLLVM has ~100k FDEs), low enough to bound a hostile file's cost.
    private const int MaxFdes = 4_000_000;
    private const int AddressSize = 8;

    private readonly Dictionary<int, CommonInformationEntry?> _cies = [];

    public void Read(UnwindSection section)
    {
        _cies.Clear();
        var data = section.Data;
        var offset = 0;
        while (offset < data.Length)
        {
            if (writer.IsFull || statistics.Fdes >= MaxFdes)
            {
                statistics.Record(UnwindDefect.TooLarge, section.Name, offset, $"more than {MaxFdes} FDEs or the row budget: the rest is left out");
                return;
            }

            if (!TryReadHeader(data, offset, out var header))
            {
                statistics.Record(UnwindDefect.EntryPastEnd, section.Name, offset, "entry runs past the end of the section");
                return;
            }

            if (header.IsTerminator)
            {
                offset = header.End;
                continue;
            }

            if (header.TooShort)
            {
                statistics.Record(UnwindDefect.Truncated, section.Name, offset, "entry too short for its CIE id");
                offset = header.End;
                continue;
            }

            var isCie = section.IsEhFrame ? header.Id == 0 : header.Id == (header.Is64 ? ulong.MaxValue : uint.MaxValue);
            if (isCie)
            {
                _ = Cie(section, offset);
            }
            else
            {
                ReadFde(section, offset, header);
            }

            offset = header.End;
        }
    }

    private static bool TryReadHeader(byte[] data, int offset, out EntryHeader header)
    {
        header = default;
        var cursor = new DwarfCursor(data, offset, data.Length);
        if (!cursor.TryU32(out var length32))
        {
            return false;
        }

        if (length32 == 0)
        {
            header = new EntryHeader(cursor.Position, cursor.Position, 0, Is64: false, IsTerminator: true, TooShort: false);
            return true;
        }

        var is64 = length32 == uint.MaxValue;
        var length = (ulong)length32;
        if (is64 && !cursor.TryU64(out length))
        {
            return false;
        }

        if (length > (ulong)cursor.Remaining)
        {
            return false;
        }

        var end = cursor.Position + (int)length;
        var entry = new DwarfCursor(data, cursor.Position, end);
        var hasId = entry.TryOffset(is64, out var id);
        header = new EntryHeader(entry.Position, end, id, is64, IsTerminator: false, TooShort: !hasId);
        return true;
    }

    private void ReadFde(UnwindSection section, int offset, EntryHeader header)
    {
        var idPosition = header.ContentStart - (header.Is64 ? 8 : 4);
        var cieOffset = section.IsEhFrame ? (long)idPosition - (long)header.Id : (long)header.Id;
        var cie = cieOffset is >= 0 && cieOffset < section.Data.Length ? Cie(section, (int)cieOffset) : null;
        if (cie is null)
        {
            Skip(section, offset, UnwindDefect.MissingCie, $"CIE pointer 0x{cieOffset:x} does not lead to a usable CIE");
            return;
        }

        var cursor = new DwarfCursor(section.Data, header.ContentStart, header.End);
        var startStatus = PointerEncoding.Read(ref cursor, cie.FdeEncoding, cie.AddressSize, section.Bases, valueOnly: false, out var start);
        var range = 0UL;
        var rangeStatus = startStatus == PointerStatus.Ok
            ? PointerEncoding.Read(ref cursor, cie.FdeEncoding, cie.AddressSize, section.Bases, valueOnly: true, out range)
            : startStatus;
        if (rangeStatus != PointerStatus.Ok)
        {
            var defect = rangeStatus == PointerStatus.Truncated ? UnwindDefect.Truncated : UnwindDefect.BadPointerEncoding;
            Skip(section, offset, defect, $"FDE address (encoding 0x{cie.FdeEncoding:x2}) is {rangeStatus}");
            return;
        }

        if (cie.HasAugmentationData && (!cursor.TryUleb(out var augmentationLength) || !cursor.TrySkip(augmentationLength)))
        {
            Skip(section, offset, UnwindDefect.Truncated, "FDE augmentation data runs past the entry");
            return;
        }

        statistics.Fdes++;
        if (range == 0)
        {
            return; // an FDE of code the linker discarded, or an empty function: nothing to cover
        }

        var end = start + range;
        if (end < start)
        {
            statistics.FdesSkipped++;
            statistics.Record(UnwindDefect.BadRange, section.Name, offset, $"FDE range 0x{start:x}+0x{range:x} wraps around");
            return;
        }

        writer.Begin(start, end, section.Priority, cie.IsSignalFrame, section.CoversPlt(start, end));
        if (rangesOnly)
        {
            writer.EmitRangeOnly();
        }
        else
        {
            var result = interpreter.RunFde(section.Data, cursor.Position, header.End, cie, section.Bases, start, end, writer);
            if (result != CfaResult.Ok)
            {
                statistics.FdesCut++;
                statistics.Record(DefectOf(result), section.Name, offset, $"FDE for 0x{start:x}: {result}");
            }
        }

        writer.End();
    }

    private void Skip(UnwindSection section, int offset, UnwindDefect defect, string detail)
    {
        statistics.FdesSkipped++;
        statistics.Record(defect, section.Name, offset, detail);
    }

    private CommonInformationEntry? Cie(UnwindSection section, int offset)
    {
        if (_cies.TryGetValue(offset, out var known))
        {
            return known;
        }

        var parsed = CieParser.TryParse(section, offset, AddressSize, out var cie, out var problem) ? cie : null;
        if (parsed is not null && !rangesOnly)
        {
            var result = interpreter.RunInitial(section.Data, parsed, section.Bases, out var initial);
            parsed.Initial = initial;
            if (result != CfaResult.Ok)
            {
                problem = $"initial instructions: {result}";
                parsed = null;
            }
        }

        if (parsed is null)
        {
            statistics.Record(UnwindDefect.BadCie, section.Name, offset, problem ?? "not a CIE");
        }
        else
        {
            statistics.Cies++;
        }

        _cies[offset] = parsed;
        return parsed;
    }

    private static UnwindDefect DefectOf(CfaResult result) => result switch
    {
        CfaResult.UnknownOpcode => UnwindDefect.UnknownOpcode,
        CfaResult.StateStack => UnwindDefect.StateStack,
        CfaResult.LocationOutOfRange => UnwindDefect.LocationOutOfRange,
        _ => UnwindDefect.Truncated,
    };

    /// <param name="ContentStart">Where the fields after the CIE id / CIE pointer start.</param>
    /// <param name="TooShort">The entry is too short to hold its CIE id or CIE pointer.</param>
    private readonly record struct EntryHeader(int ContentStart, int End, ulong Id, bool Is64, bool IsTerminator, bool TooShort);
}
