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
        var order = Enumerable.Range(0, fdes.Count).ToArray();
        Array.Sort(order, (a, b) => fdes[a].Priority != fdes[b].Priority ? fdes[a].Priority.CompareTo(fdes[b].Priority)
            : fdes[a].Start != fdes[b].Start ? fdes[a].Start.CompareTo(fdes[b].Start)
            : a.CompareTo(b));

        var primary = new List<Piece>(fdes.Count);
        var secondary = new List<Piece>();
        var coveredUntil = 0UL;
        var priority = -1;
        foreach (var index in order)
        {
            var fde = fdes[index];
            if (fde.Priority != priority)
            {
                (priority, coveredUntil) = (fde.Priority, 0UL);
            }

            if (fde.Start < coveredUntil)
            {
                statistics.Record(UnwindDefect.OverlappingFde, priority == 0 ? UnwindSection.EhFrame : UnwindSection.DebugFrame, 0, $"FDE 0x{fde.Start:x}..0x{fde.End:x} overlaps the one before it");
            }

            var start = Math.Max(fde.Start, coveredUntil);
            if (start < fde.End)
            {
                (priority == 0 ? primary : secondary).Add(new Piece(start, fde.End, index));
                coveredUntil = fde.End;
            }
        }

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
        var table = new List<UnwindRow>(rows.Count + (pieces.Count / 4));
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

        return [.. table];
    }

    private static void Append(List<UnwindRow> table, UnwindRow row)
    {
        if (table.Count > 0 && table[^1].Address == row.Address)
        {
            table.RemoveAt(table.Count - 1);
        }

        if (table.Count == 0 || !table[^1].SameRuleAs(row))
        {
            table.Add(row);
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
