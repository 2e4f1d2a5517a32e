using SystemScope.Core.Symbols;

namespace SystemScope.Core.Models.FlameGraph;

/// <summary>
/// A self-contained call tree with values: node 0 is the root, every parent precedes its children,
/// frames are symbols. What range and diff queries answer with; independent of the live tree, so it
/// can be written out after the model's lock is released.
/// </summary>
public sealed class CompactTree
{
    private CompactTree(int[] parents, Symbol[] frames, long[] totals, long[] selfs)
    {
        Parents = parents;
        Frames = frames;
        Totals = totals;
        Selfs = selfs;
    }

    public int[] Parents { get; }

    public Symbol[] Frames { get; }

    public long[] Totals { get; }

    public long[] Selfs { get; }

    public int Count => Parents.Length;

    public long Total => Totals.Length == 0 ? 0 : Totals[0];

    /// <summary>The nodes of <paramref name="tree"/> whose total under <paramref name="selfs"/> (one value per node) is not zero, renumbered.</summary>
    public static CompactTree FromSelfs(CallTree tree, long[] selfs)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(selfs);
        var n = Math.Min(tree.NodeCount, selfs.Length);
        var totals = new long[n];
        Array.Copy(selfs, totals, n);

        // Parents precede children: one backward pass adds every node into its parent.
        for (var node = n - 1; node > 0; node--)
        {
            totals[tree.Parent(node)] += totals[node];
        }

        var renumbered = new int[n];
        var count = 0;
        for (var node = 0; node < n; node++)
        {
            renumbered[node] = node == CallTree.RootNode || totals[node] != 0 ? count++ : -1;
        }

        var parents = new int[count];
        var frames = new Symbol[count];
        var outTotals = new long[count];
        var outSelfs = new long[count];
        for (var node = 0; node < n; node++)
        {
            var id = renumbered[node];
            if (id < 0)
            {
                continue;
            }

            parents[id] = node == CallTree.RootNode ? -1 : renumbered[tree.Parent(node)];
            frames[id] = tree.Frame(node);
            outTotals[id] = totals[node];
            outSelfs[id] = selfs[node];
        }

        return new CompactTree(parents, frames, outTotals, outSelfs);
    }

    /// <summary>
    /// Merges two trees by call path (the same frames from the root): the union's structure with
    /// <paramref name="after"/>'s values, and <paramref name="before"/>'s values per union node. The two
    /// may come from different models or sessions (frames are compared by value).
    /// </summary>
    public static (CompactTree After, (long[] Totals, long[] Selfs) Before) Merge(CompactTree after, CompactTree before)
    {
        ArgumentNullException.ThrowIfNull(after);
        ArgumentNullException.ThrowIfNull(before);
        var parents = new List<int> { -1 };
        var frames = new List<Symbol> { after.Count > 0 ? after.Frames[0] : before.Frames[0] };
        var index = new Dictionary<(int Parent, Symbol Frame), int>();
        var afterMap = MapInto(after, parents, frames, index);
        var beforeMap = MapInto(before, parents, frames, index);

        var count = parents.Count;
        long[] totals = new long[count], selfs = new long[count], beforeTotals = new long[count], beforeSelfs = new long[count];
        for (var i = 0; i < after.Count; i++)
        {
            totals[afterMap[i]] += after.Totals[i];
            selfs[afterMap[i]] += after.Selfs[i];
        }

        for (var i = 0; i < before.Count; i++)
        {
            beforeTotals[beforeMap[i]] += before.Totals[i];
            beforeSelfs[beforeMap[i]] += before.Selfs[i];
        }

        return (new CompactTree([.. parents], [.. frames], totals, selfs), (beforeTotals, beforeSelfs));
    }

    private static int[] MapInto(CompactTree tree, List<int> parents, List<Symbol> frames, Dictionary<(int, Symbol), int> index)
    {
        var map = new int[tree.Count];
        for (var node = 1; node < tree.Count; node++)
        {
            var parent = map[tree.Parents[node]];
            var key = (parent, tree.Frames[node]);
            if (!index.TryGetValue(key, out var id))
            {
                id = parents.Count;
                parents.Add(parent);
                frames.Add(tree.Frames[node]);
                index.Add(key, id);
            }

            map[node] = id;
        }

        return map;
    }
}
