namespace SystemScope.Symbols.Unwind;

/// <summary>
/// Joins the FDEs of both sections into one address-sorted table: FDEs are sorted, an FDE that
/// overlaps an earlier one of its section loses the overlap, <c>.debug_frame</c> fills only what no
/// <c>.eh_frame</c> FDE covers, each covered range ends with a frame-pointer row unless the next one
/// starts right there, and neighbouring rows with the same rule merge.
/// </summary>
internal static class UnwindTableAssembler
{
    /// <summary>A part of one FDE's range that the table takes from it.</summary>
    internal readonly record struct Piece(ulong Start, ulong End, int Fde);

    public static List<Piece> Pieces(List<FdeExtent> fdes, UnwindStatistics statistics)
    {
        var primary = SectionPieces(fdes, 0, UnwindSection.EhFrame, statistics);
        var secondary = SectionPieces(fdes, 1, UnwindSection.DebugFrame, statistics);
        if (secondary.Count == 0)
        {
            return primary;
        }

        var all = new List<Piece>(primary.Count + secondary.Count);
        all.AddRange(primary);
        foreach (var piece in secondary)
        {
            AddUncovered(piece, primary, all);
        }

        all.Sort((a, b) => a.Start.CompareTo(b.Start));
        return all;
    }

    public static UnwindRow[] Rows(List<Piece> pieces, List<FdeExtent> fdes, List<UnwindRow> rows)
    {
        var table = new RowBuffer(rows.Count + pieces.Count);
        for (var p = 0; p < pieces.Count; p++)
        {
            var piece = pieces[p];
            var fde = fdes[piece.Fde];
            var first = fde.FirstRow;
            var last = fde.FirstRow + fde.RowCount;
            if (first == last)
            {
                continue;
            }

            // The row in force at the piece's start (its FDE's first row starts at the FDE's start).
            var current = first;
            while (current + 1 < last && rows[current + 1].Address <= piece.Start)
            {
                current++;
            }

            Append(table, rows[current] with { Address = piece.Start });
            for (var r = current + 1; r < last && rows[r].Address < piece.End; r++)
            {
                Append(table, rows[r]);
            }

            if (p + 1 == pieces.Count || pieces[p + 1].Start != piece.End)
            {
                Append(table, new UnwindRow(piece.End, UnwindRule.FramePointer, 0, 0));
            }
        }

        return table.ToArray();
    }

    private static void Append(RowBuffer table, UnwindRow row)
    {
        if (table.Count > 0 && table.Last.Address == row.Address)
        {
            table.Count--;
        }

        if (table.Count == 0 || !table.Last.SameRuleAs(row))
        {
            table.Add(row);
        }
    }

    /// <summary>The FDEs of one section sorted by start, each cut to what the ones before it leave uncovered.</summary>
    private static List<Piece> SectionPieces(List<FdeExtent> fdes, int priority, string section, UnwindStatistics statistics)
    {
        var count = 0;
        foreach (var fde in fdes)
        {
            count += fde.Priority == priority ? 1 : 0;
        }

        var (starts, indexes) = (new ulong[count], new int[count]);
        for (int i = 0, n = 0; i < fdes.Count; i++)
        {
            if (fdes[i].Priority == priority)
            {
                (starts[n], indexes[n]) = (fdes[i].Start, i);
                n++;
            }
        }

        Array.Sort(starts, indexes);
        var pieces = new List<Piece>(count);
        var coveredUntil = 0UL;
        foreach (var index in indexes)
        {
            var fde = fdes[index];
            if (fde.Start < coveredUntil)
            {
                statistics.Record(UnwindDefect.OverlappingFde, section, 0, $"FDE 0x{fde.Start:x}..0x{fde.End:x} overlaps the one before it");
            }

            var start = Math.Max(fde.Start, coveredUntil);
            if (start < fde.End)
            {
                pieces.Add(new Piece(start, fde.End, index));
                coveredUntil = fde.End;
            }
        }

        return pieces;
    }

    /// <summary>A growable row array without List's bounds and version bookkeeping, trimmed once at the end.</summary>
    private sealed class RowBuffer(int capacity)
    {
        private UnwindRow[] _rows = new UnwindRow[Math.Max(capacity, 1)];

        public int Count { get; set; }

        public UnwindRow Last => _rows[Count - 1];

        public void Add(UnwindRow row)
        {
            if (Count == _rows.Length)
            {
                Array.Resize(ref _rows, _rows.Length * 2);
            }

            _rows[Count++] = row;
        }

        public UnwindRow[] ToArray()
        {
            Array.Resize(ref _rows, Count);
            return _rows;
        }
    }

    /// <summary>Adds the parts of <paramref name="piece"/> that no piece of <paramref name="covered"/> (sorted, disjoint) covers.</summary>
    private static void AddUncovered(Piece piece, List<Piece> covered, List<Piece> into)
    {
        // The first covered piece that ends after this one starts.
        int lo = 0, hi = covered.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (covered[mid].End <= piece.Start)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        var start = piece.Start;
        for (var i = lo; i < covered.Count && covered[i].Start < piece.End && start < piece.End; i++)
        {
            if (covered[i].Start > start)
            {
                into.Add(piece with { Start = start, End = covered[i].Start });
            }

            start = Math.Max(start, covered[i].End);
        }

        if (start < piece.End)
        {
            into.Add(piece with { Start = start });
        }
    }
}
