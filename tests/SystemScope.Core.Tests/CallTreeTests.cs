using SystemScope.Core.Models;
using SystemScope.Core.Models.FlameGraph;
using static SystemScope.Core.Tests.TestSymbols;

namespace SystemScope.Core.Tests;

public sealed class CallTreeTests
{
    [Fact]
    public void Totals_and_selfs_follow_the_stacks_added()
    {
        var tree = new CallTree();
        tree.Add(Stack("main", "a", "b"), 3);
        tree.Add(Stack("main", "a"), 2);
        tree.Add(Stack("main", "c"), 5);

        Assert.Equal(10, tree.TotalSamples);
        var main = Find(tree, "main");
        var a = Find(tree, "a");
        var b = Find(tree, "b");
        Assert.Equal(10, tree.Total(main));
        Assert.Equal(0, tree.Self(main));
        Assert.Equal(5, tree.Total(a));
        Assert.Equal(2, tree.Self(a));
        Assert.Equal(3, tree.Self(b));
        Assert.Equal(a, tree.Parent(b));
    }

    [Fact]
    public void The_same_function_under_different_callers_is_two_nodes()
    {
        var tree = new CallTree();
        tree.Add(Stack("main", "a", "leaf"), 1);
        tree.Add(Stack("main", "b", "leaf"), 1);

        Assert.Equal(2, Enumerable.Range(0, tree.NodeCount).Count(n => tree.Frame(n).Name == "leaf"));
        Assert.Equal(6, tree.NodeCount);
        Assert.Equal(5, tree.Frames.Count); // all, main, a, b, leaf
    }

    [Fact]
    public void A_delta_carries_only_new_and_changed_nodes()
    {
        var tree = new CallTree();
        tree.Add(Stack("main", "a"), 1);
        tree.Add(Stack("main", "b"), 1);
        tree.Commit();
        var first = tree.CreateUpdate(FlameGraphCursor.None);
        Assert.True(first.Full);
        Assert.Equal(4, first.NodeParents.Length);

        tree.Add(Stack("main", "a", "deeper"), 4);
        tree.Commit();
        var delta = tree.CreateUpdate(first.Cursor);

        Assert.False(delta.Full);
        Assert.Equal(4, delta.NodeBase);
        Assert.Equal(["deeper"], delta.FrameNames);
        Assert.Equal([Find(tree, "a")], delta.NodeParents);
        Assert.Equal([4L], delta.NodeTotals);
        // root, main and a changed; b did not.
        Assert.Equal([0, Find(tree, "main"), Find(tree, "a")], delta.UpdatedNodes);
        Assert.Equal([6L, 6L, 5L], delta.UpdatedTotals);
    }

    [Fact]
    public void Applying_deltas_reproduces_the_full_model()
    {
        var tree = new CallTree();
        var client = new ClientModel();
        var random = new Random(7);
        var names = new[] { "main", "a", "b", "c", "d", "e" };
        for (var round = 0; round < 20; round++)
        {
            for (var i = 0; i < 10; i++)
            {
                var depth = random.Next(1, 6);
                tree.Add(Stack([.. Enumerable.Range(0, depth).Select(_ => names[random.Next(names.Length)])]), random.Next(1, 5));
            }

            tree.Commit();
            client.Apply(tree.CreateUpdate(client.Cursor));
        }

        var full = tree.CreateUpdate(FlameGraphCursor.None);
        Assert.Equal(full.NodeTotals, client.Totals);
        Assert.Equal(full.NodeSelfs, client.Selfs);
        Assert.Equal(full.NodeParents, client.Parents);
        Assert.Equal(full.FrameNames, client.Frames);
    }

    [Fact]
    public void Reset_starts_a_new_epoch_and_forces_a_full_update()
    {
        var tree = new CallTree();
        tree.Add(Stack("main"), 1);
        tree.Commit();
        var before = tree.CreateUpdate(FlameGraphCursor.None);

        tree.Reset();
        tree.Add(Stack("other"), 2);
        tree.Commit();
        var after = tree.CreateUpdate(before.Cursor);

        Assert.True(after.Full);
        Assert.Equal(before.Epoch + 1, after.Epoch);
        Assert.Equal(2, after.TotalSamples);
        Assert.DoesNotContain("main", after.FrameNames);
    }

    [Fact]
    public void The_node_cap_keeps_samples_at_the_deepest_node_and_counts_them()
    {
        var tree = new CallTree(maxNodes: 3);
        tree.Add(Stack("main", "a", "b", "c"), 5);

        Assert.Equal(3, tree.NodeCount);
        Assert.Equal(5, tree.TotalSamples);
        Assert.Equal(5, tree.TruncatedSamples);
        Assert.Equal(5, tree.Self(Find(tree, "a")));
    }

    private static int Find(CallTree tree, string name) =>
        Enumerable.Range(0, tree.NodeCount).Single(n => tree.Frame(n).Name == name);

    /// <summary>Applies updates the way a UI client does, from the documented wire format only.</summary>
    private sealed class ClientModel
    {
        public List<string> Frames { get; } = [];

        public List<int> Parents { get; } = [];

        public List<long> Totals { get; } = [];

        public List<long> Selfs { get; } = [];

        public FlameGraphCursor Cursor { get; private set; } = FlameGraphCursor.None;

        public void Apply(FlameGraphUpdate update)
        {
            if (update.Full)
            {
                Frames.Clear();
                Parents.Clear();
                Totals.Clear();
                Selfs.Clear();
            }

            Assert.Equal(update.FrameBase, Frames.Count);
            Assert.Equal(update.NodeBase, Parents.Count);
            Frames.AddRange(update.FrameNames);
            Parents.AddRange(update.NodeParents);
            Totals.AddRange(update.NodeTotals);
            Selfs.AddRange(update.NodeSelfs);
            for (var i = 0; i < update.UpdatedNodes.Length; i++)
            {
                Totals[update.UpdatedNodes[i]] = update.UpdatedTotals[i];
                Selfs[update.UpdatedNodes[i]] = update.UpdatedSelfs[i];
            }

            Cursor = update.Cursor;
        }
    }
}
