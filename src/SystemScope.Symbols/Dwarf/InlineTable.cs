namespace SystemScope.Symbols.Dwarf;

/// <summary>
/// Address → chain of inlined functions of one binary, from its DW_TAG_inlined_subroutine DIEs. An
/// address is attributed, as binutils does, to the smallest inlined range holding it; the chain then
/// follows the DIE nesting outwards (each inlined call's caller is the inlined call around it).
/// </summary>
internal sealed class InlineTable
{
    // Ranges of unrelated functions never overlap: the backward scan stops within one function's inlines.
    private const int MaxScan = 65_536;
    private const int MaxChain = 64;

    private readonly ulong[] _lows;
    private readonly ulong[] _highs;
    private readonly ulong[] _maxHighUpTo;
    private readonly int[] _rangeInstance;
    private readonly int[] _instanceParent;
    private readonly int[] _instanceDepth;
    private readonly int[] _instanceName;

    public InlineTable(List<(ulong Low, ulong High, int Instance)> ranges, int[] instanceParent, int[] instanceDepth, int[] instanceName, string[] names)
    {
        ranges.Sort((a, b) => a.Low.CompareTo(b.Low));
        _lows = new ulong[ranges.Count];
        _highs = new ulong[ranges.Count];
        _maxHighUpTo = new ulong[ranges.Count];
        _rangeInstance = new int[ranges.Count];
        ulong maxHigh = 0;
        for (var i = 0; i < ranges.Count; i++)
        {
            (_lows[i], _highs[i], _rangeInstance[i]) = ranges[i];
            maxHigh = Math.Max(maxHigh, _highs[i]);
            _maxHighUpTo[i] = maxHigh;
        }

        _instanceParent = instanceParent;
        _instanceDepth = instanceDepth;
        _instanceName = instanceName;
        Names = names;
        EstimatedBytes = (_lows.Length * 36L) + (instanceParent.Length * 12L) + names.Sum(n => 40L + (n.Length * 2L));
    }

    public static InlineTable Empty { get; } = new([], [], [], [], []);

    /// <summary>Distinct function names; <see cref="Find"/> returns indices into it.</summary>
    public string[] Names { get; }

    public int RangeCount => _lows.Length;

    public long EstimatedBytes { get; }

    /// <summary>
    /// Writes the names (indices into <see cref="Names"/>) of the inlined functions holding
    /// <paramref name="address"/> into <paramref name="chain"/>, innermost first; returns how many.
    /// </summary>
    public int Find(ulong address, Span<int> chain)
    {
        var best = -1;
        var index = LastAtOrBelow(address);
        for (var scanned = 0; index >= 0 && scanned < MaxScan && _maxHighUpTo[index] > address; index--, scanned++)
        {
            if (_highs[index] <= address)
            {
                continue;
            }

            if (best < 0 || IsBetter(index, best))
            {
                best = index;
            }
        }

        var count = 0;
        for (var instance = best < 0 ? -1 : _rangeInstance[best]; instance >= 0 && count < chain.Length && count < MaxChain; instance = _instanceParent[instance])
        {
            chain[count++] = _instanceName[instance];
        }

        return count;
    }

    private bool IsBetter(int candidate, int best)
    {
        var candidateSize = _highs[candidate] - _lows[candidate];
        var bestSize = _highs[best] - _lows[best];
        return candidateSize < bestSize
            || (candidateSize == bestSize && _instanceDepth[_rangeInstance[candidate]] > _instanceDepth[_rangeInstance[best]]);
    }

    private int LastAtOrBelow(ulong address)
    {
        int low = 0, high = _lows.Length - 1, found = -1;
        while (low <= high)
        {
            var middle = low + ((high - low) / 2);
            if (_lows[middle] <= address)
            {
                found = middle;
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return found;
    }
}
