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

    public FunctionTable(ulong[] starts, ulong[] ends, int[] nameOffsets, byte[] names)
    {
        _starts = starts;
        _ends = ends;
        _nameOffsets = nameOffsets;
        _names = names;
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

    public string NameOf(int index)
    {
        var rest = _names.AsSpan(_nameOffsets[index]);
        var end = rest.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? rest : rest[..end]);
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
