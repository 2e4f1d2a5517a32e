using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using SystemScope.Core.Errors;
using SystemScope.Core.Symbols;

namespace SystemScope.Core.Models.FlameGraph;

/// <summary>
/// A flame graph that keeps its history: a call tree of everything since the last reset (the live
/// view, sent as deltas), plus one bucket per collection window holding which stacks got how much
/// in that window, so that the graph can be drawn for any time range of the retained history and
/// two ranges (or two models, even of two sessions) can be diffed. Buckets refer to the tree's leaf
/// nodes, so a window costs ~12 bytes per distinct stack. Over budget, the oldest windows go first
/// (counted); when the tree itself outgrows the budget it is rebuilt from what is retained (a new
/// epoch: clients resync).
/// Written by its analysis (one thread), read by any number of threads.
/// </summary>
public sealed class FlameGraphModel : IRetainingModel
{
    public const string TypeName = "flamegraph";

    private static readonly string[] QueryParameters = ["t0", "t1", "baseline.t0", "baseline.t1", "baseline.session", "baseline.model"];

    private readonly Lock _gate = new();
    private readonly ChangeSignal _changed = new();
    private readonly List<Window> _windows = [];
    private readonly Dictionary<int, long> _open = [];
    private readonly int _maxNodes;
    private CallTree _tree;
    private long _windowSeq;
    private long _dropped;
    private long _version;

    public FlameGraphModel(ModelDescriptor descriptor, int maxNodes = CallTree.DefaultMaxNodes)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        if (descriptor.Type != TypeName)
        {
            throw new ArgumentException($"model {descriptor.Id} has type {descriptor.Type}, not {TypeName}", nameof(descriptor));
        }

        Descriptor = descriptor;
        _maxNodes = maxNodes;
        _tree = new CallTree(maxNodes);
    }

    public ModelDescriptor Descriptor { get; }

    public long Version => Interlocked.Read(ref _version);

    public Task Changed => _changed.Next;

    public long Dropped => Interlocked.Read(ref _dropped);

    public long RetainedBytes
    {
        get
        {
            lock (_gate)
            {
                return BytesLocked();
            }
        }
    }

    /// <summary>Everything since the last reset (the live view's total).</summary>
    public long Total
    {
        get
        {
            lock (_gate)
            {
                return _tree.TotalSamples;
            }
        }
    }

    /// <summary>Starts adding one window's stacks; disposing the writer closes the window, bumps the version and signals readers.</summary>
    public WindowWriter BeginWindow(long startNs, long endNs) => new(this, startNs, endNs);

    /// <summary>
    /// Adds to the window being filled, for analyses that merge several sources into one window and
    /// close it later (<see cref="CloseWindow"/>). Takes the lock per call.
    /// </summary>
    public void Add(ReadOnlySpan<Symbol> rootFirst, long value)
    {
        lock (_gate)
        {
            AddLocked(rootFirst, value);
        }
    }

    /// <summary>Closes the window being filled as [<paramref name="startNs"/>, <paramref name="endNs"/>).</summary>
    public void CloseWindow(long startNs, long endNs)
    {
        lock (_gate)
        {
            CloseWindowLocked(startNs, endNs);
        }
    }

    public void Reset()
    {
        lock (_gate)
        {
            _tree.Reset();
            _windows.Clear();
            _open.Clear();
            BumpLocked();
        }
    }

    /// <summary>Runs <paramref name="read"/> on the live tree under the lock (exports, tests).</summary>
    public T Read<T>(Func<CallTree, T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        lock (_gate)
        {
            return read(_tree);
        }
    }

    /// <summary>The live view as a columnar update since <paramref name="since"/>.</summary>
    public FlameGraphUpdate CreateUpdate(FlameGraphCursor since)
    {
        lock (_gate)
        {
            return _tree.CreateUpdate(since);
        }
    }

    /// <summary>Retained windows: (start, end, total), oldest first.</summary>
    public IReadOnlyList<(long StartNs, long EndNs, long Total)> Windows()
    {
        lock (_gate)
        {
            return [.. _windows.Select(w => (w.StartNs, w.EndNs, w.Total))];
        }
    }

    /// <summary>The tree of [<paramref name="startNs"/>, <paramref name="endNs"/>) (absolute CLOCK_MONOTONIC ns), built from the windows that overlap it.</summary>
    public RangeTree Range(long startNs, long endNs)
    {
        lock (_gate)
        {
            return RangeLocked(startNs, endNs);
        }
    }

    public void TrimTo(long bytes)
    {
        lock (_gate)
        {
            var before = _windows.Count;
            while (_windows.Count > 1 && BytesLocked() > bytes)
            {
                _windows.RemoveAt(0);
                Interlocked.Increment(ref _dropped);
            }

            // The tree alone over budget: rebuild it from the retained windows (nodes only they used go).
            if (_tree.EstimatedBytes > bytes / 2 && _windows.Count < before)
            {
                CompactLocked();
            }

            if (_windows.Count != before)
            {
                BumpLocked();
            }
        }
    }

    public string? Write(Utf8JsonWriter json, ModelRequest request)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(request);
        request.AllowOnly(Descriptor.Id, QueryParameters);
        if (request.HasParameters)
        {
            WriteQuery(json, request);
            return request.Cursor;
        }

        var cursor = FlameGraphCursorText.Parse(request.Cursor, Descriptor.Id);
        lock (_gate)
        {
            var update = _tree.CreateUpdate(cursor.Tree);
            json.WriteStartObject();
            json.WriteString("kind", "live");
            json.WriteString("unit", Descriptor.Unit);
            FlameGraphJson.WriteUpdateFields(json, update);
            var windowsAfter = update.Full ? -1 : cursor.LastWindow;
            WriteWindows(json, windowsAfter, request.OriginNs);
            json.WriteNumber("droppedWindows", Dropped);
            json.WriteEndObject();
            var last = _windows.Count > 0 ? _windows[^1].Seq : cursor.LastWindow;
            return FlameGraphCursorText.Format(update.Cursor, last);
        }
    }

    private void WriteQuery(Utf8JsonWriter json, ModelRequest request)
    {
        RangeTree selected;
        RangeTree? baseline;
        (long, long)? selectedRange, baselineRange = null;
        string? baselineOf = null;
        lock (_gate)
        {
            selectedRange = RequestedRange(request, "t0", "t1");
            selected = selectedRange is { } r ? RangeLocked(r.Item1, r.Item2) : RangeLocked(long.MinValue, long.MaxValue);
        }

        if (request.String("baseline.session") is { } otherSession)
        {
            var otherModel = request.String("baseline.model") ?? Descriptor.Id;
            var resolve = request.ResolveModel ?? throw new InvalidRequestException("diffing against another session is not available here");
            var other = resolve(otherSession, otherModel) as FlameGraphModel
                ?? throw new InvalidRequestException($"model {otherModel} of session {otherSession} is not a flame graph");
            lock (other._gate)
            {
                baselineRange = other.RequestedRange(request, "baseline.t0", "baseline.t1");
                baseline = baselineRange is { } b ? other.RangeLocked(b.Item1, b.Item2) : other.RangeLocked(long.MinValue, long.MaxValue);
            }

            baselineOf = $"{otherSession}/{otherModel}";
        }
        else if (request.Has("baseline.t0") || request.Has("baseline.t1"))
        {
            lock (_gate)
            {
                baselineRange = RequestedRange(request, "baseline.t0", "baseline.t1");
                baseline = RangeLocked(baselineRange!.Value.Item1, baselineRange.Value.Item2);
            }

            baselineOf = Descriptor.Id;
        }
        else
        {
            baseline = null;
        }

        json.WriteStartObject();
        json.WriteString("kind", baselineOf is null ? "range" : "diff");
        json.WriteString("unit", Descriptor.Unit);
        WriteRangeInfo(json, "range", selected, request.OriginNs);
        if (baseline is not { } before)
        {
            FlameGraphJson.WriteRangeFields(json, selected.Tree, null);
        }
        else
        {
            WriteRangeInfo(json, "baseline", before, request.OriginNs);
            json.WriteString("baselineOf", baselineOf);
            var (merged, baselineValues) = CompactTree.Merge(selected.Tree, before.Tree);
            FlameGraphJson.WriteRangeFields(json, merged, baselineValues);
        }

        json.WriteEndObject();
    }

    private static void WriteRangeInfo(Utf8JsonWriter json, string name, RangeTree range, long originNs)
    {
        json.WriteStartObject(name);
        json.WriteNumber("t0", Math.Max(0, range.StartNs - originNs));
        json.WriteNumber("t1", Math.Max(0, range.EndNs - originNs));
        json.WriteNumber("windows", range.Windows);
        json.WriteEndObject();
    }

    private (long, long)? RequestedRange(ModelRequest request, string from, string to) =>
        request.Has(from) || request.Has(to)
            ? WindowRange.Resolve(request, Descriptor.Id, [.. _windows.Select(w => (w.StartNs, w.EndNs))], from, to)
            : null;

    private void WriteWindows(Utf8JsonWriter json, long after, long originNs)
    {
        json.WriteStartObject("windows");
        json.WriteNumber("firstSeq", _windows.Count > 0 ? _windows[0].Seq : _windowSeq + 1);
        var from = 0;
        while (from < _windows.Count && _windows[from].Seq <= after)
        {
            from++;
        }

        json.WriteNumber("baseSeq", from < _windows.Count ? _windows[from].Seq : _windowSeq + 1);
        json.WriteStartArray("starts");
        for (var i = from; i < _windows.Count; i++)
        {
            json.WriteNumberValue(_windows[i].StartNs - originNs);
        }

        json.WriteEndArray();
        json.WriteStartArray("ends");
        for (var i = from; i < _windows.Count; i++)
        {
            json.WriteNumberValue(_windows[i].EndNs - originNs);
        }

        json.WriteEndArray();
        json.WriteStartArray("totals");
        for (var i = from; i < _windows.Count; i++)
        {
            json.WriteNumberValue(_windows[i].Total);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private RangeTree RangeLocked(long startNs, long endNs)
    {
        var selfs = new long[_tree.NodeCount];
        long first = long.MaxValue, last = long.MinValue;
        var count = 0;
        foreach (var window in _windows)
        {
            if (window.EndNs <= startNs || window.StartNs >= endNs)
            {
                continue;
            }

            count++;
            first = Math.Min(first, window.StartNs);
            last = Math.Max(last, window.EndNs);
            for (var i = 0; i < window.Nodes.Length; i++)
            {
                selfs[window.Nodes[i]] += window.Values[i];
            }
        }

        return new RangeTree(CompactTree.FromSelfs(_tree, selfs), count == 0 ? startNs : first, count == 0 ? endNs : last, count);
    }

    private long BytesLocked()
    {
        long bytes = _tree.EstimatedBytes;
        foreach (var window in _windows)
        {
            bytes += 64 + (window.Nodes.Length * 12L);
        }

        return bytes;
    }

    /// <summary>Rebuilds the tree from the retained windows and renumbers their nodes; a new epoch for clients.</summary>
    private void CompactLocked()
    {
        var old = _tree;
        var rebuilt = new CallTree(_maxNodes);
        var path = new List<Symbol>();
        var map = new Dictionary<int, int>();
        foreach (var window in _windows)
        {
            for (var i = 0; i < window.Nodes.Length; i++)
            {
                var node = window.Nodes[i];
                if (map.TryGetValue(node, out var renumbered))
                {
                    rebuilt.AddAt(renumbered, window.Values[i]);
                }
                else
                {
                    path.Clear();
                    for (var n = node; n != CallTree.RootNode; n = old.Parent(n))
                    {
                        path.Add(old.Frame(n));
                    }

                    path.Reverse();
                    renumbered = rebuilt.Add(CollectionsMarshal.AsSpan(path), window.Values[i]);
                    map[node] = renumbered;
                }

                window.Nodes[i] = renumbered;
            }
        }

        rebuilt.Commit();
        rebuilt.ContinueAfter(old);
        _tree = rebuilt;
    }

    private void AddLocked(ReadOnlySpan<Symbol> rootFirst, long value)
    {
        var leaf = _tree.Add(rootFirst, value);
        if (leaf >= 0)
        {
            ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(_open, leaf, out _);
            slot += value;
        }
    }

    private void CloseWindowLocked(long startNs, long endNs)
    {
        _tree.Commit();
        var nodes = new int[_open.Count];
        var values = new long[_open.Count];
        long total = 0;
        var i = 0;
        foreach (var (node, value) in _open)
        {
            nodes[i] = node;
            values[i++] = value;
            total += value;
        }

        // An empty window is history too: the time strip shows the gap.
        _open.Clear();
        _windows.Add(new Window(++_windowSeq, startNs, Math.Max(startNs, endNs), nodes, values, total));
        BumpLocked();
    }

    private void BumpLocked()
    {
        Interlocked.Increment(ref _version);
        _changed.Signal();
    }

    /// <summary>Adds the stacks of one window; dispose to close it (one lock held throughout).</summary>
    public ref struct WindowWriter
    {
        private readonly FlameGraphModel _model;
        private readonly long _startNs;
        private readonly long _endNs;
        private Lock.Scope _scope;
        private bool _closed;

        internal WindowWriter(FlameGraphModel model, long startNs, long endNs)
        {
            _model = model;
            _startNs = startNs;
            _endNs = Math.Max(endNs, startNs);
            _scope = model._gate.EnterScope();
            _closed = false;
        }

        /// <summary>Adds <paramref name="value"/> to the stack given root first (without the root).</summary>
        public readonly void Add(ReadOnlySpan<Symbol> rootFirst, long value) => _model.AddLocked(rootFirst, value);

        public void Dispose()
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            try
            {
                _model.CloseWindowLocked(_startNs, _endNs);
            }
            finally
            {
                _scope.Dispose();
            }
        }
    }

    private sealed record Window(long Seq, long StartNs, long EndNs, int[] Nodes, long[] Values, long Total);
}

/// <summary>The tree of one time range (only the nodes with a value in it) and the windows it was built from.</summary>
public readonly record struct RangeTree(CompactTree Tree, long StartNs, long EndNs, int Windows);

/// <summary>What a client of a flame graph holds, as text: <c>epoch.version.nodes.frames.lastWindow</c>.</summary>
internal static class FlameGraphCursorText
{
    public static (FlameGraphCursor Tree, long LastWindow) Parse(string? text, string modelId)
    {
        if (text is null)
        {
            return (FlameGraphCursor.None, -1);
        }

        var parts = text.Split('.');
        if (parts.Length != 5 || !int.TryParse(parts[0], CultureInfo.InvariantCulture, out var epoch) ||
            !int.TryParse(parts[1], CultureInfo.InvariantCulture, out var version) ||
            !int.TryParse(parts[2], CultureInfo.InvariantCulture, out var nodes) ||
            !int.TryParse(parts[3], CultureInfo.InvariantCulture, out var frames) ||
            !long.TryParse(parts[4], CultureInfo.InvariantCulture, out var window))
        {
            throw new InvalidRequestException($"cursor '{text}' is not a cursor of {modelId}: use the cursor of its last update, or none for everything");
        }

        return (new FlameGraphCursor(epoch, version, nodes, frames), window);
    }

    public static string Format(FlameGraphCursor cursor, long lastWindow) =>
        string.Create(CultureInfo.InvariantCulture, $"{cursor.Epoch}.{cursor.Version}.{cursor.NodeCount}.{cursor.FrameCount}.{lastWindow}");
}
