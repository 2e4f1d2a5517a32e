using SystemScope.Core.Symbols;

namespace SystemScope.Core.Models.FlameGraph;

/// <summary>
/// A call tree (the model behind a flame graph) that grows as samples arrive. Nodes live in flat
/// arrays in creation order, node 0 being the root, so that a client holding the first N nodes can be
/// brought up to date with only what was added or changed since (see <see cref="CreateUpdate"/>).
/// Not thread-safe: its owner serialises access.
/// </summary>
public sealed class CallTree
{
    public const int RootNode = 0;
    public const int DefaultMaxNodes = 2_000_000;

    private static readonly Symbol RootSymbol = new("all", null, FrameKind.Root);

    private readonly Dictionary<long, int> _childByParentAndFrame = [];
    private readonly int _maxNodes;
    private int[] _parent = new int[1024];
    private int[] _frame = new int[1024];
    private long[] _total = new long[1024];
    private long[] _self = new long[1024];
    private int[] _changedAt = new int[1024];

    public CallTree(int maxNodes = DefaultMaxNodes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxNodes, 2);
        _maxNodes = maxNodes;
        Clear();
    }

    public FrameTable Frames { get; } = new();

    public int NodeCount { get; private set; }

    /// <summary>Changes each time the tree is reset: clients holding an older epoch need a full model.</summary>
    public int Epoch { get; private set; }

    /// <summary>Advances with each committed batch of samples.</summary>
    public int Version { get; private set; }

    public long TotalSamples => _total[RootNode];

    /// <summary>Bytes held by the node and frame tables (an estimate for memory budgets).</summary>
    public long EstimatedBytes => ((long)_parent.Length * (4 + 4 + 8 + 8 + 4)) + ((long)NodeCount * 24) + ((long)Frames.Count * 96);

    /// <summary>Samples that would have needed more than the node cap; counted at their deepest existing node.</summary>
    public long TruncatedSamples { get; private set; }

    public int Parent(int node) => _parent[node];

    public Symbol Frame(int node) => Frames[_frame[node]];

    public int FrameId(int node) => _frame[node];

    public long Total(int node) => _total[node];

    public long Self(int node) => _self[node];

    /// <summary>
    /// Adds <paramref name="count"/> samples of one stack, given root first (without the root itself).
    /// Returns the node the samples were counted at (the leaf, or the deepest node when the cap cut it), or -1 for no samples.
    /// </summary>
    public int Add(ReadOnlySpan<Symbol> rootFirst, long count)
    {
        if (count <= 0)
        {
            return -1;
        }

        var stamp = Version + 1;
        var node = RootNode;
        Touch(node, count, stamp);
        foreach (var symbol in rootFirst)
        {
            var child = ChildOf(node, Frames.Intern(symbol));
            if (child < 0)
            {
                TruncatedSamples += count;
                break;
            }

            node = child;
            Touch(node, count, stamp);
        }

        _self[node] += count;
        return node;
    }

    /// <summary>Adds <paramref name="count"/> at an existing node (and so to every ancestor), as if its stack were added again.</summary>
    public void AddAt(int node, long count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(node);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(node, NodeCount);
        if (count <= 0)
        {
            return;
        }

        var stamp = Version + 1;
        _self[node] += count;
        for (var n = node; n >= 0; n = _parent[n])
        {
            Touch(n, count, stamp);
        }
    }

    /// <summary>Makes this tree the successor of <paramref name="previous"/>: a later epoch, so clients of the old one reload.</summary>
    public void ContinueAfter(CallTree previous)
    {
        ArgumentNullException.ThrowIfNull(previous);
        Epoch = Math.Max(Epoch, previous.Epoch + 1);
    }

    /// <summary>Marks everything added so far as one version; returns it.</summary>
    public int Commit() => ++Version;

    public void Reset()
    {
        Clear();
        Epoch++;
        Version = 0;
    }

    /// <summary>Children of a node, built on demand (exports and tests, not hot paths).</summary>
    public IReadOnlyList<int>[] ChildLists()
    {
        var lists = new List<int>[NodeCount];
        for (var i = 0; i < NodeCount; i++)
        {
            lists[i] = [];
        }

        for (var i = 1; i < NodeCount; i++)
        {
            lists[_parent[i]].Add(i);
        }

        return lists;
    }

    /// <summary>
    /// What a client that has seen <paramref name="since"/> needs to be current: everything when its
    /// epoch is stale, otherwise the frames and nodes added after its counts and the nodes changed
    /// after its version.
    /// </summary>
    public FlameGraphUpdate CreateUpdate(FlameGraphCursor since)
    {
        var full = since.Epoch != Epoch || since.Version > Version || since.NodeCount > NodeCount
            || since.FrameCount > Frames.Count || since.NodeCount == 0;
        var frameBase = full ? 0 : since.FrameCount;
        var nodeBase = full ? 0 : since.NodeCount;

        var frameCount = Frames.Count - frameBase;
        var names = new string[frameCount];
        var modules = new string?[frameCount];
        var rawNames = new string?[frameCount];
        var kinds = new int[frameCount];
        for (var i = 0; i < frameCount; i++)
        {
            var symbol = Frames[frameBase + i];
            names[i] = symbol.Name;
            modules[i] = symbol.Module;
            rawNames[i] = symbol.RawName;
            kinds[i] = (int)symbol.Kind;
        }

        var updated = new List<int>();
        if (!full)
        {
            for (var i = 0; i < nodeBase; i++)
            {
                if (_changedAt[i] > since.Version)
                {
                    updated.Add(i);
                }
            }
        }

        return new FlameGraphUpdate
        {
            Epoch = Epoch,
            Version = Version,
            Full = full,
            TotalSamples = TotalSamples,
            FrameBase = frameBase,
            FrameNames = names,
            FrameModules = modules,
            FrameRawNames = rawNames,
            FrameKinds = kinds,
            NodeBase = nodeBase,
            NodeParents = _parent[nodeBase..NodeCount],
            NodeFrames = _frame[nodeBase..NodeCount],
            NodeTotals = _total[nodeBase..NodeCount],
            NodeSelfs = _self[nodeBase..NodeCount],
            UpdatedNodes = [.. updated],
            UpdatedTotals = [.. updated.Select(i => _total[i])],
            UpdatedSelfs = [.. updated.Select(i => _self[i])],
        };
    }

    public FlameGraphCursor Cursor => new(Epoch, Version, NodeCount, Frames.Count);

    private void Touch(int node, long count, int stamp)
    {
        _total[node] += count;
        _changedAt[node] = stamp;
    }

    private int ChildOf(int parent, int frame)
    {
        var key = ((long)parent << 32) | (uint)frame;
        if (_childByParentAndFrame.TryGetValue(key, out var child))
        {
            return child;
        }

        if (NodeCount >= _maxNodes)
        {
            return -1;
        }

        child = NewNode(parent, frame);
        _childByParentAndFrame.Add(key, child);
        return child;
    }

    private int NewNode(int parent, int frame)
    {
        if (NodeCount == _parent.Length)
        {
            var size = Math.Min(_parent.Length * 2, _maxNodes);
            Array.Resize(ref _parent, size);
            Array.Resize(ref _frame, size);
            Array.Resize(ref _total, size);
            Array.Resize(ref _self, size);
            Array.Resize(ref _changedAt, size);
        }

        var node = NodeCount++;
        _parent[node] = parent;
        _frame[node] = frame;
        _total[node] = 0;
        _self[node] = 0;
        _changedAt[node] = Version + 1;
        return node;
    }

    private void Clear()
    {
        _childByParentAndFrame.Clear();
        Frames.Clear();
        NodeCount = 0;
        TruncatedSamples = 0;
        NewNode(-1, Frames.Intern(RootSymbol));
    }
}
