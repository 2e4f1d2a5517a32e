using SystemScope.Core.Events;
using SystemScope.Core.Events.BlockIo;
using SystemScope.Core.Models;
using SystemScope.Core.Models.Histogram;
using SystemScope.Core.Models.Table;
using SystemScope.Core.Models.TimeSeries;
using SystemScope.Core.Sessions;

namespace SystemScope.Core.Analyses.BlockIo;

/// <summary>
/// The block layer's figures: requests per device, process and operation with their latency split
/// into queue and device time (<c>blockio.requests</c>, the primary table) and per cgroup
/// (<c>blockio.cgroups</c>); latency histograms per device (<c>blockio.latency</c>: total, queue and
/// device time) and as a heatmap over time (<c>blockio.latency.heatmap</c>); request sizes per device
/// (<c>blockio.sizes</c>); bytes per second read and written per device (<c>blockio.throughput</c>).
/// </summary>
public sealed class BlockIoAnalysis : IAnalysis, IEventSink<BlockIoStats>
{
    public const string SourceId = "blockio";

    /// <summary>Log2 µs buckets the kernel side fills: [0,1), [1,2) … the last one open-ended (≥ 2^25 µs ≈ 34 s).</summary>
    public const int LatencyBuckets = 27;

    /// <summary>Log2 byte buckets: [0,1), [1,2) … the last one open-ended (≥ 1 GiB).</summary>
    public const int SizeBuckets = 32;

    private static readonly TableColumn[] RequestColumns =
    [
        new("device", "Device", ColumnType.String),
        new("pid", "Process id", ColumnType.Int),
        new("comm", "Process", ColumnType.String),
        new("op", "Operation", ColumnType.String),
        new("count", "Requests", ColumnType.Int),
        new("bytes", "Bytes", ColumnType.Int, "bytes"),
        new("sequential_pct", "Sequential", ColumnType.Float, "%"),
        new("errors", "Errors", ColumnType.Int),
        new("avg_ns", "Average", ColumnType.Int, "ns"),
        new("p50_ns", "p50", ColumnType.Int, "ns"),
        new("p99_ns", "p99", ColumnType.Int, "ns"),
        new("max_ns", "Max", ColumnType.Int, "ns"),
        new("queue_p50_ns", "Queue p50", ColumnType.Int, "ns"),
        new("queue_p99_ns", "Queue p99", ColumnType.Int, "ns"),
        new("queue_max_ns", "Queue max", ColumnType.Int, "ns"),
        new("device_p50_ns", "Device p50", ColumnType.Int, "ns"),
        new("device_p99_ns", "Device p99", ColumnType.Int, "ns"),
        new("device_max_ns", "Device max", ColumnType.Int, "ns"),
    ];

    private static readonly TableColumn[] CgroupColumns =
    [
        new("device", "Device", ColumnType.String),
        new("cgroup", "Cgroup", ColumnType.String),
        new("op", "Operation", ColumnType.String),
        new("count", "Requests", ColumnType.Int),
        new("bytes", "Bytes", ColumnType.Int, "bytes"),
        new("p50_ns", "p50", ColumnType.Int, "ns"),
        new("p99_ns", "p99", ColumnType.Int, "ns"),
        new("max_ns", "Max", ColumnType.Int, "ns"),
        new("queue_p50_ns", "Queue p50", ColumnType.Int, "ns"),
        new("device_p50_ns", "Device p50", ColumnType.Int, "ns"),
    ];

    private readonly Dictionary<(string Device, int Pid, BlockIoOp Op), Row> _requests = [];
    private readonly Dictionary<(string Device, string Cgroup, BlockIoOp Op), Row> _cgroups = [];
    private readonly HashSet<string> _throughputSeries = new(StringComparer.Ordinal);
    private ProcessFilter _filter;

    public BlockIoAnalysis(ProcessFilter filter)
    {
        _filter = filter;
        Requests = new TableModel(
            new ModelDescriptor("blockio.requests", TableModel.TypeName, "Block requests per device, process and operation", "requests", [SourceId])
            {
                Description = "Requests completed per device, submitting process and operation, with bytes and latency split into queue time (insert → issue) and device time (issue → completion).",
                Primary = true,
            },
            RequestColumns);
        Cgroups = new TableModel(
            new ModelDescriptor("blockio.cgroups", TableModel.TypeName, "Block requests per device, cgroup and operation", "requests", [SourceId])
            {
                Description = "The cgroup of each request's bio: for writeback, the cgroup that dirtied the pages.",
            },
            CgroupColumns);
        Latency = new HistogramModel(
            new ModelDescriptor("blockio.latency", HistogramModel.TypeName, "Block request latency", "us", [SourceId])
            {
                Description = "Queue + device time of block requests, for all devices and per device, with each device's queue time and device time apart.",
            },
            LatencyBuckets);
        Heatmap = new HeatmapModel(
            new ModelDescriptor("blockio.latency.heatmap", HeatmapModel.TypeName, "Block request latency over time", "us", [SourceId]),
            LatencyBuckets);
        Sizes = new HistogramModel(
            new ModelDescriptor("blockio.sizes", HistogramModel.TypeName, "Block request sizes", "bytes", [SourceId])
            {
                Description = "Bytes per request, for all devices and per device and operation.",
            },
            SizeBuckets);
        Throughput = new TimeSeriesModel(new ModelDescriptor("blockio.throughput", TimeSeriesModel.TypeName, "Block I/O throughput", "bytes/s", [SourceId])
        {
            Description = "Bytes per second read and written per device, averaged over each window.",
        });
    }

    public TableModel Requests { get; }

    public TableModel Cgroups { get; }

    public HistogramModel Latency { get; }

    public HeatmapModel Heatmap { get; }

    public HistogramModel Sizes { get; }

    public TimeSeriesModel Throughput { get; }

    public IReadOnlyList<IModel> Models => [Requests, Cgroups, Latency, Heatmap, Sizes, Throughput];

    public void OnEvents(ReadOnlySpan<Event<BlockIoStats>> events)
    {
        if (events.IsEmpty)
        {
            return;
        }

        var (start, end) = Span(events);
        var latency = new Dictionary<string, (string Label, LatencyFigures Figures)>(StringComparer.Ordinal);
        var sizes = new Dictionary<string, (string Label, long[] Buckets, long Bytes)>(StringComparer.Ordinal);
        var bytes = new Dictionary<string, (string Label, long Bytes)>(StringComparer.Ordinal);
        foreach (ref readonly var e in events)
        {
            if (!_filter.MayMatch(e.Header.Pid))
            {
                continue;
            }

            var s = e.Payload;
            RowOf(_requests, (s.Device, e.Header.Pid, s.Op), s.ProcessName).Add(in s);
            RowOf(_cgroups, (s.Device, s.Cgroup, s.Op), s.Cgroup).Add(in s);

            Figures(latency, "all", "all devices").Add(s.Total);
            Figures(latency, "dev:" + s.Device, s.Device).Add(s.Total);
            Figures(latency, "dev:" + s.Device + ":queue", s.Device + " queue time").Add(s.Queue);
            Figures(latency, "dev:" + s.Device + ":device", s.Device + " device time").Add(s.Service);

            var op = BlockIoOps.Name(s.Op);
            AddSizes(sizes, "all", "all devices", in s);
            AddSizes(sizes, "dev:" + s.Device + ":" + op, s.Device + " " + op, in s);

            if (s.Op is BlockIoOp.Read or BlockIoOp.Write)
            {
                var key = s.Device + "." + op;
                bytes[key] = (s.Device + " " + op, bytes.GetValueOrDefault(key).Bytes + s.Bytes);
            }
        }

        PublishTables();
        Latency.AddWindow(start, end, latency.Select(l => Group(l.Key, l.Value.Label, l.Value.Figures)));
        Heatmap.AddColumn(start, end, latency.TryGetValue("all", out var all) ? all.Figures.Buckets : new long[LatencyBuckets]);
        Sizes.AddWindow(start, end, sizes.Select(s => new HistogramGroup(s.Key, s.Value.Label, s.Value.Buckets, s.Value.Buckets.Sum(), s.Value.Bytes, MaxSize(s.Value.Buckets))));
        AddThroughput(start, end, bytes);
    }

    public void Reset()
    {
        _requests.Clear();
        _cgroups.Clear();
        _throughputSeries.Clear();
        Requests.Reset();
        Cgroups.Reset();
        Latency.Reset();
        Heatmap.Reset();
        Sizes.Reset();
        Throughput.Reset();
    }

    public void OnFilterChanged(ProcessFilter filter)
    {
        _filter = filter;
        Reset();
    }

    private void PublishTables()
    {
        Requests.Set(_requests
            .OrderByDescending(r => r.Value.Total.SumNs)
            .Select(r => new object[]
            {
                r.Key.Device, (long)r.Key.Pid, r.Value.Name, BlockIoOps.Name(r.Key.Op), r.Value.Count, r.Value.Bytes,
                r.Value.Count == 0 ? 0.0 : Math.Round(100.0 * r.Value.Sequential / r.Value.Count, 1), r.Value.Errors,
                r.Value.Total.AverageNs, r.Value.Total.PercentileNs(0.5), r.Value.Total.PercentileNs(0.99), r.Value.Total.MaxNs,
                r.Value.Queue.PercentileNs(0.5), r.Value.Queue.PercentileNs(0.99), r.Value.Queue.MaxNs,
                r.Value.Device.PercentileNs(0.5), r.Value.Device.PercentileNs(0.99), r.Value.Device.MaxNs,
            }));
        Cgroups.Set(_cgroups
            .OrderByDescending(r => r.Value.Total.SumNs)
            .Select(r => new object[]
            {
                r.Key.Device, r.Value.Name, BlockIoOps.Name(r.Key.Op), r.Value.Count, r.Value.Bytes,
                r.Value.Total.PercentileNs(0.5), r.Value.Total.PercentileNs(0.99), r.Value.Total.MaxNs,
                r.Value.Queue.PercentileNs(0.5), r.Value.Device.PercentileNs(0.5),
            }));
    }

    /// <summary>Bytes per second per device and direction; a series seen before and idle now gets 0.</summary>
    private void AddThroughput(long start, long end, Dictionary<string, (string Label, long Bytes)> bytes)
    {
        var seconds = Math.Max(1, end - start) / 1e9;
        var values = bytes.Select(b => (b.Key, b.Value.Label, b.Value.Bytes / seconds)).ToList();
        foreach (var idle in _throughputSeries.Where(s => !bytes.ContainsKey(s)))
        {
            values.Add((idle, idle.Replace('.', ' '), 0));
        }

        _throughputSeries.UnionWith(bytes.Keys);
        Throughput.Add(start, end, values);
    }

    private static Row RowOf<TKey>(Dictionary<TKey, Row> rows, TKey key, string name)
        where TKey : notnull
    {
        if (!rows.TryGetValue(key, out var row))
        {
            rows[key] = row = new Row();
        }

        if (name.Length > 0)
        {
            row.Name = name;
        }

        return row;
    }

    private static LatencyFigures Figures(Dictionary<string, (string Label, LatencyFigures Figures)> groups, string key, string label)
    {
        if (!groups.TryGetValue(key, out var group))
        {
            groups[key] = group = (label, new LatencyFigures());
        }

        return group.Figures;
    }

    private static void AddSizes(Dictionary<string, (string Label, long[] Buckets, long Bytes)> groups, string key, string label, in BlockIoStats stats)
    {
        if (!groups.TryGetValue(key, out var group))
        {
            group = (label, new long[SizeBuckets], 0);
        }

        var span = stats.Sizes.Span;
        for (var i = 0; i < span.Length; i++)
        {
            group.Buckets[Math.Min(i, SizeBuckets - 1)] += span[i];
        }

        groups[key] = (label, group.Buckets, group.Bytes + stats.Bytes);
    }

    private static HistogramGroup Group(string key, string label, LatencyFigures figures) =>
        new(key, label, [.. figures.Buckets], figures.Count, figures.SumNs / 1000, figures.MaxNs / 1000);

    /// <summary>The upper bound of the highest non-empty size bucket: sizes are not kept exactly.</summary>
    private static long MaxSize(long[] buckets)
    {
        for (var k = buckets.Length - 1; k > 0; k--)
        {
            if (buckets[k] > 0)
            {
                return (1L << k) - 1;
            }
        }

        return 0;
    }

    private static (long Start, long End) Span(ReadOnlySpan<Event<BlockIoStats>> events)
    {
        long start = long.MaxValue, end = long.MinValue;
        foreach (ref readonly var e in events)
        {
            start = Math.Min(start, e.Header.TimestampNs);
            end = Math.Max(end, e.Header.TimestampNs + e.Header.DurationNs);
        }

        return (start, end);
    }

    private sealed class Row
    {
        public string Name { get; set; } = string.Empty;

        public long Count { get; private set; }

        public long Bytes { get; private set; }

        public long Sequential { get; private set; }

        public long Errors { get; private set; }

        public LatencyFigures Total { get; } = new();

        public LatencyFigures Queue { get; } = new();

        public LatencyFigures Device { get; } = new();

        public void Add(in BlockIoStats stats)
        {
            Count += stats.Count;
            Bytes += stats.Bytes;
            Sequential += stats.Sequential;
            Errors += stats.Errors;
            Total.Add(stats.Total);
            Queue.Add(stats.Queue);
            Device.Add(stats.Service);
        }
    }
}

/// <summary>Adds the block layer's tables, histograms, heatmap and throughput to every session with the <c>blockio</c> source.</summary>
public sealed class BlockIoAnalysisProvider : IAnalysisProvider
{
    public bool AppliesTo(IReadOnlySet<string> sources) => sources.Contains(BlockIoAnalysis.SourceId);

    public IAnalysis Create(AnalysisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var analysis = new BlockIoAnalysis(context.Filter.Current);
        context.Bus.Subscribe<BlockIoStats>(analysis);
        return analysis;
    }
}
