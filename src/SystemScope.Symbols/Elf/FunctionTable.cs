using System.Text;

namespace SystemScope.Symbols.Elf;

/// <summary>
/// Sized function symbols of one binary, sorted by address, for binary search. Names stay as UTF-8
/// bytes in one blob and become strings only when a frame resolves to them.
/// </summary>
internal sealed class FunctionTable
{
    // Nested or overlapping symbols are rare; looking this far back finds the container without a second index.
    private const int MaxBackScan = 16;

    private readonly ulong[] _starts;
    private readonly ulong[] _ends;
    private readonly int[] _nameOffsets;
    private readonly byte[] _names;
    private readonly bool[]? _unnamed;

    public FunctionTable(ulong[] starts, ulong[] ends, int[] nameOffsets, byte[] names, bool[]? unnamed = null)
    {
        _starts = starts;
        _ends = ends;
        _nameOffsets = nameOffsets;
        _names = names;
        _unnamed = unnamed;
    }

    public static FunctionTable Empty { get; } = new([], [], [], []);

    public int Count => _starts.Length;

    public long EstimatedBytes => (_starts.Length * (8L + 8 + 4)) + _names.Length + 96;

    public ulong StartOf(int index) => _starts[index];

    public ulong EndOf(int index) => _ends[index];

    /// <summary>The index of the function containing <paramref name="address"/>, or -1.</summary>
    public int Find(ulong address)
    {
        var index = UpperBound(_starts, address) - 1;
        for (var i = index; i >= 0 && i > index - MaxBackScan; i--)
        {
            if (address < _ends[i])
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Whether the function has no symbol, only a range (<see cref="WithUnnamedRanges"/>): its name means something only with its module's.</summary>
    public bool IsUnnamed(int index) => _unnamed is { } unnamed && unnamed[index];

    public string NameOf(int index)
    {
        var rest = _names.AsSpan(_nameOffsets[index]);
        var end = rest.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? rest : rest[..end]);
    }

    /// <summary>
    /// This table plus one function per range that no function here covers, named
    /// <c>fn_HEXSTART</c> (ranges from a stripped binary's FDEs: one name per function instead of
    /// one per address). A range is cut where a function of this table starts inside it.
    /// </summary>
    /// <param name="ranges">Sorted, disjoint address ranges.</param>
    public FunctionTable WithUnnamedRanges((ulong Start, ulong End)[] ranges)
    {
        var added = new List<(ulong Start, ulong End)>();
        foreach (var (start, end) in ranges)
        {
            if (Find(start) >= 0)
            {
                continue;
            }

            var next = UpperBound(_starts, start);
            added.Add((start, next < _starts.Length ? Math.Min(end, _starts[next]) : end));
        }

        if (added.Count == 0)
        {
            return this;
        }

        var count = _starts.Length + added.Count;
        var (starts, ends, offsets, unnamed) = (new ulong[count], new ulong[count], new int[count], new bool[count]);
        var names = new List<byte>(_names.Length + (added.Count * 12));
        names.AddRange(_names);
        for (int i = 0, mine = 0, extra = 0; i < count; i++)
        {
            if (extra < added.Count && (mine == _starts.Length || added[extra].Start < _starts[mine]))
            {
                (starts[i], ends[i], offsets[i], unnamed[i]) = (added[extra].Start, added[extra].End, names.Count, true);
                names.AddRange(Encoding.UTF8.GetBytes($"fn_{added[extra].Start:x}\0"));
                extra++;
            }
            else
            {
                (starts[i], ends[i], offsets[i], unnamed[i]) = (_starts[mine], _ends[mine], _nameOffsets[mine], IsUnnamed(mine));
                mine++;
            }
        }

        return new FunctionTable(starts, ends, offsets, [.. names], unnamed);
    }

    /// <summary>The number of elements of <paramref name="sorted"/> that are ≤ <paramref name="value"/>.</summary>
    public static int UpperBound(ulong[] sorted, ulong value)
    {
        int lo = 0, hi = sorted.Length;
        while (lo < hi)
        {
            var mid = (int)((uint)(lo + hi) >> 1);
            if (sorted[mid] <= value)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }
}
