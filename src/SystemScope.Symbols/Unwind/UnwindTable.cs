namespace SystemScope.Symbols.Unwind;

/// <summary>
/// The unwind rules of one ELF file, by ELF virtual address, for the BPF walker: an address below
/// the first row, or under a <see cref="UnwindRule.FramePointer"/> row, is walked with frame pointers.
/// </summary>
public sealed class UnwindTable
{
    internal UnwindTable(UnwindRow[] rows, (ulong Start, ulong End)[] functions, string source, long sectionBytes, UnwindStatistics statistics)
    {
        Rows = rows;
        Functions = functions;
        Source = source;
        SectionBytes = sectionBytes;
        Statistics = statistics;
        statistics.Rows = rows.Length;
    }

    /// <summary>Sorted by Address, strictly increasing, adjacent duplicates merged.</summary>
    public UnwindRow[] Rows { get; }

    /// <summary>The address ranges the FDEs cover, sorted and disjoint: one per function, for naming stripped code.</summary>
    public (ulong Start, ulong End)[] Functions { get; }

    /// <summary><c>.eh_frame</c>, <c>.debug_frame</c>, <c>.eh_frame+.debug_frame</c> or <c>none</c>.</summary>
    public string Source { get; }

    /// <summary>Bytes of unwind sections parsed (after decompression), for "per MiB" figures.</summary>
    public long SectionBytes { get; }

    public UnwindStatistics Statistics { get; }

    /// <summary>The size of the rows in an 8-byte-per-row BPF encoding.</summary>
    public long CompactBytes => Rows.LongLength * 8;

    internal static UnwindTable Empty(UnwindStatistics statistics) => new([], [], "none", 0, statistics);

    /// <summary>The row in force at <paramref name="address"/>; false below the first row.</summary>
    public bool TryFind(ulong address, out UnwindRow row)
    {
        int lo = 0, hi = Rows.Length;
        while (lo < hi)
        {
            var mid = (int)((uint)(lo + hi) >> 1);
            if (Rows[mid].Address <= address)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        row = lo > 0 ? Rows[lo - 1] : default;
        return lo > 0;
    }
}
