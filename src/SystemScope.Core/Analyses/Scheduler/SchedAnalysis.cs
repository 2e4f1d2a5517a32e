using System.Globalization;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Scheduler;
using SystemScope.Core.Models;
using SystemScope.Core.Models.Histogram;
using SystemScope.Core.Models.Table;
using SystemScope.Core.Models.TimeSeries;
using SystemScope.Core.Sessions;

namespace SystemScope.Core.Analyses.Scheduler;

/// <summary>
/// The scheduler's figures: run-queue latency as log2 histograms for everything, per process and per
/// cgroup (<c>sched.runqlat</c>) and as a heatmap over time (<c>sched.runqlat.heatmap</c>); voluntary
/// and involuntary switches and migrations per thread (<c>sched.threads</c>); run-queue length per CPU
/// over time (<c>sched.runqlen</c>).
/// </summary>
public sealed class SchedAnalysis : IAnalysis, IEventSink<RunQueueLatency>, IEventSink<ThreadSwitchCounts>, IEventSink<RunQueueLength>
{
    public const string SourceId = "sched";

    /// <summary>Log2 µs buckets the kernel side fills: [0,1), [1,2), [2,4) … the last one open-ended (≥ 2^25 µs ≈ 34 s).</summary>
    public const int Buckets = 27;

    private static readonly TableColumn[] ThreadColumns =
    [
        new("tid", "Thread id", ColumnType.Int),
        new("pid", "Process id", ColumnType.Int),
        new("thread", "Thread", ColumnType.String),
        new("process", "Process", ColumnType.String),
        new("voluntary", "Voluntary switches", ColumnType.Int),
        new("involuntary", "Involuntary switches", ColumnType.Int),
        new("migrations", "Migrations", ColumnType.Int),
    ];

    private readonly Dictionary<int, ThreadRow> _threads = [];
    private ProcessFilter _filter;

    public SchedAnalysis(ProcessFilter filter)
    {
        _filter = filter;
        RunQueueLatency = new HistogramModel(
            new ModelDescriptor("sched.runqlat", HistogramModel.TypeName, "Run-queue latency", "us", [SourceId])
            {
                Description = "Time from wakeup (or preemption) to running on a CPU, for all threads, per process and per cgroup.",
                Primary = true,
            },
            Buckets);
        Heatmap = new HeatmapModel(
            new ModelDescriptor("sched.runqlat.heatmap", HeatmapModel.TypeName, "Run-queue latency over time", "us", [SourceId]),
            Buckets);
        Threads = new TableModel(new ModelDescriptor("sched.threads", TableModel.TypeName, "Context switches per thread", "count", [SourceId]), ThreadColumns);
        RunQueueLength = new TimeSeriesModel(new ModelDescriptor("sched.runqlen", TimeSeriesModel.TypeName, "Run-queue length per CPU", "threads", [SourceId])
        {
            Description = "Runnable threads waiting for each CPU, averaged over each window.",
        });
    }

    public HistogramModel RunQueueLatency { get; }

    public HeatmapModel Heatmap { get; }

    public TableModel Threads { get; }

    public TimeSeriesModel RunQueueLength { get; }

    public IReadOnlyList<IModel> Models => [RunQueueLatency, Heatmap, Threads, RunQueueLength];

    public void OnEvents(ReadOnlySpan<Event<RunQueueLatency>> events)
    {
        if (events.IsEmpty)
        {
            return;
        }

        var (start, end) = Span(events);
        var groups = new List<HistogramGroup>();
        long[]? all = null;
        foreach (ref readonly var e in events)
        {
            var latency = e.Payload;
            if (latency.Group == LatencyGroup.Process && !_filter.MayMatch((int)latency.GroupId))
            {
                continue;
            }

            var key = latency.Group switch
            {
                LatencyGroup.All => "all",
                LatencyGroup.Process => "pid:" + latency.GroupId.ToString(CultureInfo.InvariantCulture),
                _ => "cgroup:" + latency.GroupId.ToString(CultureInfo.InvariantCulture),
            };
            var buckets = Fit(latency.Buckets.Span);
            groups.Add(new HistogramGroup(key, latency.Label, buckets, latency.Count, latency.SumNs / 1000, latency.MaxNs / 1000));
            if (latency.Group == LatencyGroup.All)
            {
                all = buckets;
            }
        }

        RunQueueLatency.AddWindow(start, end, groups);
        Heatmap.AddColumn(start, end, all ?? new long[Buckets]);
    }

    public void OnEvents(ReadOnlySpan<Event<ThreadSwitchCounts>> events)
    {
        foreach (ref readonly var e in events)
        {
            if (!_filter.MayMatch(e.Header.Pid))
            {
                continue;
            }

            if (!_threads.TryGetValue(e.Header.Tid, out var row) || row.Pid != e.Header.Pid)
            {
                _threads[e.Header.Tid] = row = new ThreadRow(e.Header.Pid);
            }

            row.Name = e.Payload.Name;
            row.Process = e.Payload.ProcessName;
            row.Voluntary += e.Payload.Voluntary;
            row.Involuntary += e.Payload.Involuntary;
            row.Migrations += e.Payload.Migrations;
        }

        Threads.Set(_threads
            .OrderByDescending(t => t.Value.Voluntary + t.Value.Involuntary)
            .Select(t => new object[] { (long)t.Key, (long)t.Value.Pid, t.Value.Name, t.Value.Process, t.Value.Voluntary, t.Value.Involuntary, t.Value.Migrations }));
    }

    public void OnEvents(ReadOnlySpan<Event<RunQueueLength>> events)
    {
        if (events.IsEmpty)
        {
            return;
        }

        var (start, end) = Span(events);
        var values = new List<(string, string, double)>();
        foreach (ref readonly var e in events)
        {
            values.Add(("cpu" + e.Payload.Cpu.ToString(CultureInfo.InvariantCulture), "CPU " + e.Payload.Cpu.ToString(CultureInfo.InvariantCulture), e.Payload.Average));
        }

        RunQueueLength.Add(start, end, values);
    }

    public void Reset()
    {
        RunQueueLatency.Reset();
        Heatmap.Reset();
        _threads.Clear();
        Threads.Reset();
        RunQueueLength.Reset();
    }

    public void OnFilterChanged(ProcessFilter filter)
    {
        _filter = filter;
        Reset();
    }

    private static long[] Fit(ReadOnlySpan<long> buckets)
    {
        var fitted = new long[Buckets];
        for (var i = 0; i < buckets.Length; i++)
        {
            fitted[Math.Min(i, Buckets - 1)] += buckets[i];
        }

        return fitted;
    }

    private static (long Start, long End) Span<T>(ReadOnlySpan<Event<T>> events)
        where T : struct
    {
        long start = long.MaxValue, end = long.MinValue;
        foreach (ref readonly var e in events)
        {
            start = Math.Min(start, e.Header.TimestampNs);
            end = Math.Max(end, e.Header.TimestampNs + e.Header.DurationNs);
        }

        return (start, end);
    }

    private sealed class ThreadRow(int pid)
    {
        public int Pid { get; } = pid;

        public string Name { get; set; } = string.Empty;

        public string Process { get; set; } = string.Empty;

        public long Voluntary { get; set; }

        public long Involuntary { get; set; }

        public long Migrations { get; set; }
    }
}

/// <summary>Adds the scheduler's histograms, heatmap, table and series to every session with the <c>sched</c> source.</summary>
public sealed class SchedAnalysisProvider : IAnalysisProvider
{
    public bool AppliesTo(IReadOnlySet<string> sources) => sources.Contains(SchedAnalysis.SourceId);

    public IAnalysis Create(AnalysisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var analysis = new SchedAnalysis(context.Filter.Current);
        context.Bus.Subscribe<RunQueueLatency>(analysis);
        context.Bus.Subscribe<ThreadSwitchCounts>(analysis);
        context.Bus.Subscribe<RunQueueLength>(analysis);
        return analysis;
    }
}
