namespace SystemScope.Symbols.Unwind;

/// <summary>The rows of one FDE: its range, where its rows start in the shared list, and which section it came from.</summary>
/// <param name="Priority">0 for <c>.eh_frame</c>, 1 for <c>.debug_frame</c> (which only fills what .eh_frame leaves).</param>
internal readonly record struct FdeExtent(ulong Start, ulong End, int FirstRow, int RowCount, int Priority);

/// <summary>
/// Collects the rows of every FDE into one list (the FDEs are sorted and joined later), dropping a
/// row that repeats the one before it, up to a row budget.
/// </summary>
internal sealed class FdeRowWriter(UnwindRegisters registers, UnwindStatistics statistics, int maxRows, int expectedRows)
{
    private ulong _start;
    private ulong _end;
    private int _priority;
    private bool _signalFrame;
    private bool _coversPlt;
    private int _firstRow;
    private bool _overflowed;
    private bool _rangeOnly;

    public List<UnwindRow> Rows { get; } = new(Math.Min(expectedRows, maxRows));

    public List<FdeExtent> Fdes { get; } = [];

    /// <summary>The row budget is spent: no more FDEs are taken.</summary>
    public bool IsFull => Rows.Count >= maxRows;

    public void Begin(ulong start, ulong end, int priority, bool signalFrame, bool coversPlt)
    {
        (_start, _end, _priority, _signalFrame, _coversPlt) = (start, end, priority, signalFrame, coversPlt);
        _firstRow = Rows.Count;
        _overflowed = false;
        _rangeOnly = false;
    }

    /// <summary>Keeps the FDE's range without rows (when only function ranges are wanted).</summary>
    public void EmitRangeOnly() => _rangeOnly = true;

    /// <summary>The rules from <paramref name="address"/> on (until the next row or the end of the FDE).</summary>
    public void Emit(ulong address, in CfaState state)
    {
        var row = RowRules.Classify(address, state, registers, _signalFrame, _coversPlt, out var downgrade);
        if (Add(row) && downgrade is { } reason)
        {
            statistics.Record(reason);
        }
    }

    /// <summary>The instructions are unreadable from <paramref name="address"/> on: frame pointers there.</summary>
    public void EmitCorrupt(ulong address)
    {
        if (Add(new UnwindRow(address, UnwindRule.FramePointer, 0, 0)))
        {
            statistics.Record(UnwindDowngrade.CorruptInstructions);
        }
    }

    public void End()
    {
        if (_overflowed)
        {
            // Half an FDE would claim its whole range: it goes, with the FDEs that did not fit.
            Rows.RemoveRange(_firstRow, Rows.Count - _firstRow);
            return;
        }

        if (Rows.Count > _firstRow || _rangeOnly)
        {
            Fdes.Add(new FdeExtent(_start, _end, _firstRow, Rows.Count - _firstRow, _priority));
        }
    }

    private bool Add(UnwindRow row)
    {
        if (Rows.Count > _firstRow && Rows[^1].SameRuleAs(row))
        {
            return false;
        }

        if (IsFull)
        {
            _overflowed = true;
            return false;
        }

        Rows.Add(row);
        return true;
    }
}
