using System.Text.Json;
using SystemScope.Core.Errors;

namespace SystemScope.Core.Models.Histogram;

/// <summary>
/// Distributions in log2 buckets per group (everything, a process, a cgroup), with per-window history
/// so a range of it can be asked for. Written once per window by its analysis, read by anyone.
/// </summary>
public sealed class HistogramModel : IRetainingModel
{
    public const string TypeName = "histogram";

    private static readonly string[] QueryParameters = ["t0", "t1", "group"];

    private readonly Lock _gate = new();
    private readonly ChangeSignal _changed = new();
    private readonly int _buckets;
    private readonly Dictionary<string, Group> _totals = new(StringComparer.Ordinal);
    private readonly List<Window> _windows = [];
    private long _version;
    private long _dropped;

    public HistogramModel(ModelDescriptor descriptor, int buckets)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        if (descriptor.Type != TypeName)
        {
            throw new ArgumentException($"model {descriptor.Id} has type {descriptor.Type}, not {TypeName}", nameof(descriptor));
        }

        Descriptor = descriptor;
        _buckets = buckets;
        Bounds = Log2Scale.Bounds(buckets);
    }

    public ModelDescriptor Descriptor { get; }

    public IReadOnlyList<long> Bounds { get; }

    public long Version => Interlocked.Read(ref _version);

    public Task Changed => _changed.Next;

    public long Dropped => Interlocked.Read(ref _dropped);

    public long RetainedBytes
    {
        get
        {
            lock (_gate)
            {
                return _windows.Sum(w => 64 + (w.Groups.Count * (64 + (_buckets * 8L))));
            }
        }
    }

    /// <summary>Adds one window's distributions (one entry per group; buckets are copied).</summary>
    public void AddWindow(long startNs, long endNs, IEnumerable<HistogramGroup> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        lock (_gate)
        {
            var window = new Window(startNs, endNs, []);
            foreach (var group in groups)
            {
                if (group.Buckets.Length != _buckets)
                {
                    throw new ArgumentException($"model {Descriptor.Id}: group {group.Key} has {group.Buckets.Length} buckets, the model {_buckets}");
                }

                var copy = new Group(group.Key, group.Label, group.Buckets.ToArray(), group.Count, group.Sum, group.Max);
                window.Groups.Add(copy);
                if (!_totals.TryGetValue(group.Key, out var total))
                {
                    _totals[group.Key] = total = new Group(group.Key, group.Label, new long[_buckets], 0, 0, 0);
                }

                total.Merge(copy);
            }

            _windows.Add(window);
            Bump();
        }
    }

    public void Reset()
    {
        lock (_gate)
        {
            _totals.Clear();
            _windows.Clear();
            Bump();
        }
    }

    /// <summary>The group's distribution since the last reset (null when it has no data).</summary>
    public HistogramGroup? Total(string key)
    {
        lock (_gate)
        {
            return _totals.TryGetValue(key, out var g) ? g.ToPublic() : null;
        }
    }

    public IReadOnlyList<HistogramGroup> Totals()
    {
        lock (_gate)
        {
            return [.. Ordered(_totals.Values).Select(g => g.ToPublic())];
        }
    }

    public void TrimTo(long bytes)
    {
        lock (_gate)
        {
            var removed = 0;
            while (_windows.Count > 1 && _windows.Sum(w => 64 + (w.Groups.Count * (64 + (_buckets * 8L)))) > bytes)
            {
                _windows.RemoveAt(0);
                removed++;
            }

            if (removed > 0)
            {
                Interlocked.Add(ref _dropped, removed);
                Bump();
            }
        }
    }

    public string? Write(Utf8JsonWriter json, ModelRequest request)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(request);
        request.AllowOnly(Descriptor.Id, QueryParameters);
        var only = request.String("group");
        IReadOnlyList<Group> groups;
        string kind;
        long version;
        lock (_gate)
        {
            version = Version;
            if (request.Has("t0") || request.Has("t1"))
            {
                var (start, end) = WindowRange.Resolve(request, Descriptor.Id, _windows.Select(w => (w.StartNs, w.EndNs)).ToList());
                var merged = new Dictionary<string, Group>(StringComparer.Ordinal);
                foreach (var window in _windows.Where(w => w.EndNs > start && w.StartNs < end))
                {
                    foreach (var group in window.Groups)
                    {
                        if (!merged.TryGetValue(group.Key, out var total))
                        {
                            merged[group.Key] = total = new Group(group.Key, group.Label, new long[_buckets], 0, 0, 0);
                        }

                        total.Merge(group);
                    }
                }

                groups = [.. Ordered(merged.Values)];
                kind = "range";
            }
            else
            {
                groups = [.. Ordered(_totals.Values).Select(g => g.Clone())];
                kind = "live";
            }
        }

        if (only is not null)
        {
            groups = [.. groups.Where(g => g.Key == only)];
            if (groups.Count == 0)
            {
                throw new InvalidRequestException($"model {Descriptor.Id} has no group '{only}' (yet): groups are named like 'all', 'pid:1234', 'cgroup:…'");
            }
        }

        json.WriteStartObject();
        json.WriteString("kind", kind);
        json.WriteString("unit", Descriptor.Unit);
        json.WriteNumber("version", version);
        json.WriteString("scale", "log2");
        json.WriteStartArray("bounds");
        foreach (var bound in Bounds)
        {
            json.WriteNumberValue(bound);
        }

        json.WriteEndArray();
        json.WriteStartArray("groups");
        foreach (var group in groups)
        {
            WriteGroup(json, group);
        }

        json.WriteEndArray();
        json.WriteNumber("droppedWindows", Dropped);
        json.WriteEndObject();
        return version.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void WriteGroup(Utf8JsonWriter json, Group group)
    {
        json.WriteStartObject();
        json.WriteString("key", group.Key);
        json.WriteString("label", group.Label);
        json.WriteNumber("count", group.Count);
        json.WriteNumber("sum", group.Sum);
        json.WriteNumber("min", Log2Scale.Percentile(group.Buckets, 0, group.Max));
        json.WriteNumber("max", group.Max);
        json.WriteNumber("p50", Math.Round(Log2Scale.Percentile(group.Buckets, 0.5, group.Max), 3));
        json.WriteNumber("p90", Math.Round(Log2Scale.Percentile(group.Buckets, 0.9, group.Max), 3));
        json.WriteNumber("p99", Math.Round(Log2Scale.Percentile(group.Buckets, 0.99, group.Max), 3));
        json.WriteStartArray("buckets");
        foreach (var count in group.Buckets)
        {
            json.WriteNumberValue(count);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>"all" first, then by count.</summary>
    private static IEnumerable<Group> Ordered(IEnumerable<Group> groups) =>
        groups.OrderBy(g => g.Key == "all" ? 0 : 1).ThenByDescending(g => g.Count).ThenBy(g => g.Key, StringComparer.Ordinal);

    private void Bump()
    {
        Interlocked.Increment(ref _version);
        _changed.Signal();
    }

    private sealed record Window(long StartNs, long EndNs, List<Group> Groups);

    private sealed class Group(string key, string label, long[] buckets, long count, long sum, long max)
    {
        public string Key { get; } = key;

        public string Label { get; private set; } = label;

        public long[] Buckets { get; } = buckets;

        public long Count { get; private set; } = count;

        public long Sum { get; private set; } = sum;

        public long Max { get; private set; } = max;

        public void Merge(Group other)
        {
            for (var i = 0; i < Buckets.Length; i++)
            {
                Buckets[i] += other.Buckets[i];
            }

            Count += other.Count;
            Sum += other.Sum;
            Max = Math.Max(Max, other.Max);
            if (other.Label.Length > 0)
            {
                Label = other.Label;
            }
        }

        public Group Clone() => new(Key, Label, (long[])Buckets.Clone(), Count, Sum, Max);

        public HistogramGroup ToPublic() => new(Key, Label, (long[])Buckets.Clone(), Count, Sum, Max);
    }
}

/// <summary>One group's distribution: counts per log2 bucket, how many values, their sum and the largest (in the model's unit).</summary>
public sealed record HistogramGroup(string Key, string Label, long[] Buckets, long Count, long Sum, long Max)
{
    public double Percentile(double quantile) => Log2Scale.Percentile(Buckets, quantile, Max);
}
