using System.Globalization;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Syscalls;
using SystemScope.Core.Models;
using SystemScope.Core.Models.Histogram;
using SystemScope.Core.Models.Table;
using SystemScope.Core.Models.TimeSeries;
using SystemScope.Core.Sessions;

namespace SystemScope.Core.Analyses.Syscalls;

/// <summary>
/// The syscall figures: a live top table per process (or thread) and syscall with count, errors by
/// errno, total time and p50/p99/max (<c>syscalls.top</c>, ordered by total time); latency as log2 ns
/// histograms for all calls and per syscall (<c>syscalls.latency</c>) and as a heatmap over time
/// (<c>syscalls.heatmap</c>); calls and errors per second of the busiest syscalls (<c>syscalls.rate</c>).
/// </summary>
public sealed class SyscallAnalysis : IAnalysis, IEventSink<SyscallStats>
{
    public const string SourceId = "syscalls";

    /// <summary>Log2 ns buckets the kernel side fills: [0,1), [1,2), [2,4) … the last one open-ended.</summary>
    public const int Buckets = 40;

    /// <summary>Syscalls drawn as their own series; the rest are summed into "other".</summary>
    private const int RateSeries = 8;

    /// <summary>Rows kept per session; beyond it the rows with the least total time are dropped (counted).</summary>
    private const int MaxRows = 20_000;

    private static readonly TableColumn[] Columns =
    [
        new("pid", "Process id", ColumnType.Int),
        new("tid", "Thread id (0: the whole process)", ColumnType.Int),
        new("comm", "Process", ColumnType.String),
        new("name", "Syscall", ColumnType.String),
        new("count", "Calls", ColumnType.Int),
        new("errors", "Failed", ColumnType.Int),
        new("errnos", "Errors by errno", ColumnType.String),
        new("total_ns", "Total time", ColumnType.Int, "ns"),
        new("p50_ns", "Median", ColumnType.Int, "ns"),
        new("p99_ns", "99th percentile", ColumnType.Int, "ns"),
        new("max_ns", "Longest", ColumnType.Int, "ns"),
    ];

    private readonly Dictionary<(int Pid, int Tid, int Nr), Row> _rows = [];
    private ProcessFilter _filter;
    private long _droppedRows;

    public SyscallAnalysis(ProcessFilter filter)
    {
        _filter = filter;
        Top = new TableModel(
            new ModelDescriptor("syscalls.top", TableModel.TypeName, "Syscalls by total time", "ns", [SourceId])
            {
                Description = "Per process (or thread) and syscall: calls, failures by errno, total time and latency percentiles, busiest first.",
                Primary = true,
            },
            Columns);
        Latency = new HistogramModel(
            new ModelDescriptor("syscalls.latency", HistogramModel.TypeName, "Syscall latency", "ns", [SourceId])
            {
                Description = "Time from sys_enter to sys_exit, for all calls and per syscall.",
            },
            Buckets);
        Heatmap = new HeatmapModel(new ModelDescriptor("syscalls.heatmap", HeatmapModel.TypeName, "Syscall latency over time", "ns", [SourceId]), Buckets);
        Rate = new TimeSeriesModel(new ModelDescriptor("syscalls.rate", TimeSeriesModel.TypeName, "Syscalls per second", "calls/s", [SourceId])
        {
            Description = "Calls per second of the busiest syscalls, and failed calls per second.",
        });
    }

    public TableModel Top { get; }

    public HistogramModel Latency { get; }

    public HeatmapModel Heatmap { get; }

    public TimeSeriesModel Rate { get; }

    /// <summary>Rows dropped to stay within the table's bound.</summary>
    public long DroppedRows => _droppedRows;

    public IReadOnlyList<IModel> Models => [Top, Latency, Heatmap, Rate];

    public void OnEvents(ReadOnlySpan<Event<SyscallStats>> events)
    {
        if (events.IsEmpty)
        {
            return;
        }

        long start = long.MaxValue, end = long.MinValue;
        var all = new long[Buckets];
        long allCount = 0, allSum = 0, allMax = 0, errors = 0;
        var bySyscall = new Dictionary<string, (long[] Buckets, long Count, long Sum, long Max)>(StringComparer.Ordinal);
        foreach (ref readonly var e in events)
        {
            start = Math.Min(start, e.Header.TimestampNs);
            end = Math.Max(end, e.Header.TimestampNs + e.Header.DurationNs);
            if (!_filter.MayMatch(e.Header.Pid))
            {
                continue;
            }

            var s = e.Payload;
            var key = (e.Header.Pid, e.Header.Tid, s.Number);
            if (!_rows.TryGetValue(key, out var row))
            {
                _rows[key] = row = new Row(s.Name);
            }

            row.Add(s);
            var buckets = s.Buckets.Span;
            if (!bySyscall.TryGetValue(s.Name, out var total))
            {
                total = (new long[Buckets], 0, 0, 0);
            }

            for (var i = 0; i < buckets.Length; i++)
            {
                var at = Math.Min(i, Buckets - 1);
                all[at] += buckets[i];
                total.Buckets[at] += buckets[i];
            }

            bySyscall[s.Name] = (total.Buckets, total.Count + s.Count, total.Sum + s.TotalNs, Math.Max(total.Max, s.MaxNs));
            allCount += s.Count;
            allSum += s.TotalNs;
            allMax = Math.Max(allMax, s.MaxNs);
            errors += s.Errors;
        }

        Bound();
        var groups = new List<HistogramGroup> { new("all", "all calls", all, allCount, allSum, allMax) };
        groups.AddRange(bySyscall.Select(g => new HistogramGroup("syscall:" + g.Key, g.Key, g.Value.Buckets, g.Value.Count, g.Value.Sum, g.Value.Max)));
        Latency.AddWindow(start, end, groups);
        Heatmap.AddColumn(start, end, all);

        var seconds = Math.Max(1e-9, (end - start) / 1e9);
        var busiest = bySyscall.OrderByDescending(g => g.Value.Count).ToList();
        var series = busiest.Take(RateSeries).Select(g => ("syscall:" + g.Key, g.Key, g.Value.Count / seconds)).ToList();
        series.Add(("other", "other syscalls", busiest.Skip(RateSeries).Sum(g => g.Value.Count) / seconds));
        series.Add(("errors", "failed calls", errors / seconds));
        Rate.Add(start, end, series);

        Top.Set(_rows
            .OrderByDescending(r => r.Value.TotalNs)
            .Select(r => new object[]
            {
                (long)r.Key.Pid, (long)r.Key.Tid, r.Value.ProcessName, r.Value.Name, r.Value.Count, r.Value.Errors, r.Value.Errnos(),
                r.Value.TotalNs, (long)Math.Round(Log2Scale.Percentile(r.Value.Buckets, 0.5, r.Value.MaxNs)),
                (long)Math.Round(Log2Scale.Percentile(r.Value.Buckets, 0.99, r.Value.MaxNs)), r.Value.MaxNs,
            }));
    }

    public void Reset()
    {
        _rows.Clear();
        Top.Reset();
        Latency.Reset();
        Heatmap.Reset();
        Rate.Reset();
    }

    public void OnFilterChanged(ProcessFilter filter)
    {
        _filter = filter;
        Reset();
    }

    /// <summary>Keeps the table bounded: the rows with the least total time go first.</summary>
    private void Bound()
    {
        if (_rows.Count <= MaxRows)
        {
            return;
        }

        foreach (var key in _rows.OrderBy(r => r.Value.TotalNs).Take(_rows.Count - (MaxRows * 9 / 10)).Select(r => r.Key).ToList())
        {
            _rows.Remove(key);
            _droppedRows++;
        }
    }

    /// <summary>One (process or thread, syscall) summed over the session.</summary>
    private sealed class Row(string name)
    {
        private readonly Dictionary<string, long> _errnos = new(StringComparer.Ordinal);

        public string Name { get; } = name;

        public string ProcessName { get; private set; } = string.Empty;

        public long[] Buckets { get; } = new long[SyscallAnalysis.Buckets];

        public long Count { get; private set; }

        public long Errors { get; private set; }

        public long TotalNs { get; private set; }

        public long MaxNs { get; private set; }

        public void Add(in SyscallStats s)
        {
            if (s.ProcessName.Length > 0)
            {
                ProcessName = s.ProcessName;
            }

            var buckets = s.Buckets.Span;
            for (var i = 0; i < buckets.Length; i++)
            {
                Buckets[Math.Min(i, Buckets.Length - 1)] += buckets[i];
            }

            Count += s.Count;
            Errors += s.Errors;
            TotalNs += s.TotalNs;
            MaxNs = Math.Max(MaxNs, s.MaxNs);
            foreach (var (errno, count) in s.ErrorsByErrno)
            {
                _errnos[errno] = _errnos.GetValueOrDefault(errno) + count;
            }
        }

        /// <summary>"ENOENT 3, EAGAIN 1", most frequent first.</summary>
        public string Errnos() => string.Join(", ", _errnos.OrderByDescending(e => e.Value).Select(e => e.Key + " " + e.Value.ToString(CultureInfo.InvariantCulture)));
    }
}

/// <summary>Adds the syscall table, histograms, heatmap and rates to every session with the <c>syscalls</c> source.</summary>
public sealed class SyscallAnalysisProvider : IAnalysisProvider
{
    public bool AppliesTo(IReadOnlySet<string> sources) => sources.Contains(SyscallAnalysis.SourceId);

    public IAnalysis Create(AnalysisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var analysis = new SyscallAnalysis(context.Filter.Current);
        context.Bus.Subscribe<SyscallStats>(analysis);
        return analysis;
    }
}
