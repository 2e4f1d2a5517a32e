using System.Globalization;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Memory;
using SystemScope.Core.Models;
using SystemScope.Core.Models.Table;
using SystemScope.Core.Models.TimeSeries;
using SystemScope.Core.Sessions;

namespace SystemScope.Core.Analyses.Memory;

/// <summary>
/// The memory layer's figures besides the fault flame graph: a table per process (resident set, its
/// growth over the session, faults counted in the session; <c>memory.processes</c>), the resident set
/// of the largest processes over time (<c>memory.rss</c>), pressure (PSI avg10 of the system and of
/// cgroups; <c>memory.pressure</c>), time stalled per window (PSI totals, reclaim and compaction of the
/// observed threads; <c>memory.stalls</c>) and the OOM kills (<c>memory.oom</c>).
/// </summary>
public sealed class MemoryAnalysis : IAnalysis, IEventSink<PageFaultSample>, IEventSink<ProcessMemory>, IEventSink<MemoryPressure>, IEventSink<MemoryStalls>, IEventSink<OomKill>
{
    public const string SourceId = "memory";

    /// <summary>Processes the table keeps; past it, new processes are counted, not added.</summary>
    public const int MaxProcesses = 4096;

    private const double Mib = 1024 * 1024;

    private static readonly TableColumn[] ProcessColumns =
    [
        new("pid", "Process id", ColumnType.Int),
        new("process", "Process", ColumnType.String),
        new("rss", "Resident", ColumnType.Int, "bytes"),
        new("growth", "Growth in session", ColumnType.Int, "bytes"),
        new("peak", "Peak resident", ColumnType.Int, "bytes"),
        new("anon", "Anonymous", ColumnType.Int, "bytes"),
        new("minor", "Minor faults", ColumnType.Int),
        new("major", "Major faults", ColumnType.Int),
    ];

    private static readonly TableColumn[] OomColumns =
    [
        new("time", "Time", ColumnType.Float, "s"),
        new("pid", "Victim pid", ColumnType.Int),
        new("process", "Victim", ColumnType.String),
        new("kind", "OOM of", ColumnType.String),
        new("anon", "Anonymous resident", ColumnType.Int, "bytes"),
        new("file", "File resident", ColumnType.Int, "bytes"),
        new("shmem", "Shared resident", ColumnType.Int, "bytes"),
        new("vm", "Virtual size", ColumnType.Int, "bytes"),
        new("adj", "oom_score_adj", ColumnType.Int),
        new("cgroup", "Cgroup", ColumnType.String),
        new("limitCgroup", "Limited by", ColumnType.String),
        new("limit", "Limit", ColumnType.Int, "bytes"),
        new("usage", "Usage at kill", ColumnType.Int, "bytes"),
        new("trigger", "Allocating pid", ColumnType.Int),
    ];

    private readonly Dictionary<int, ProcessRow> _processes = [];
    private readonly List<object[]> _ooms = [];
    private readonly long _originNs;
    private ProcessFilter _filter;
    private bool _processesChanged;
    private (long Start, long End, List<(string, string, double)> Values)? _pendingStalls;

    public MemoryAnalysis(ProcessFilter filter, long originNs)
    {
        _filter = filter;
        _originNs = originNs;
        Processes = new TableModel(new ModelDescriptor("memory.processes", TableModel.TypeName, "Memory per process", "bytes", [SourceId])
        {
            Description = "Resident set now, its growth and peak over the session, and the page faults counted in the session.",
        }, ProcessColumns);
        Rss = new TimeSeriesModel(new ModelDescriptor("memory.rss", TimeSeriesModel.TypeName, "Resident set of the largest processes", "MiB", [SourceId])
        {
            Description = "Resident set size of the largest observed processes, sampled once per window.",
        });
        Pressure = new TimeSeriesModel(new ModelDescriptor("memory.pressure", TimeSeriesModel.TypeName, "Memory pressure (PSI avg10)", "%", [SourceId])
        {
            Description = "Share of time some (or all) non-idle tasks stalled on memory, averaged over 10 s, for the system and cgroups.",
        });
        Stalls = new TimeSeriesModel(new ModelDescriptor("memory.stalls", TimeSeriesModel.TypeName, "Time stalled on memory per window", "ms", [SourceId])
        {
            Description = "Stall time each window added: PSI totals (system, cgroups) and the observed threads' direct reclaim, cgroup reclaim and compaction.",
        });
        Ooms = new TableModel(new ModelDescriptor("memory.oom", TableModel.TypeName, "OOM kills", "count", [SourceId])
        {
            Description = "Processes the OOM killer chose, with what they held and the cgroup limit that was reached.",
        }, OomColumns);
    }

    public TableModel Processes { get; }

    public TimeSeriesModel Rss { get; }

    public TimeSeriesModel Pressure { get; }

    public TimeSeriesModel Stalls { get; }

    public TableModel Ooms { get; }

    /// <summary>Processes not added to the table because it was full.</summary>
    public long ProcessesNotKept { get; private set; }

    public IReadOnlyList<IModel> Models => [Processes, Rss, Pressure, Stalls, Ooms];

    public void OnEvents(ReadOnlySpan<Event<PageFaultSample>> events)
    {
        foreach (ref readonly var e in events)
        {
            if (!_filter.MayMatch(e.Header.Pid) || Row(e.Header.Pid, e.Payload.ProcessName) is not { } row)
            {
                continue;
            }

            if (e.Payload.Major)
            {
                row.Major += e.Payload.Count;
            }
            else
            {
                row.Minor += e.Payload.Count;
            }

            _processesChanged = true;
        }

        PublishProcesses();
    }

    public void OnEvents(ReadOnlySpan<Event<ProcessMemory>> events)
    {
        if (events.IsEmpty)
        {
            return;
        }

        var (start, end) = Span(events);
        var series = new List<(string, string, double)>();
        foreach (ref readonly var e in events)
        {
            var pid = e.Header.Pid;
            if (!_filter.MayMatch(pid))
            {
                continue;
            }

            var memory = e.Payload;
            series.Add(("pid:" + pid.ToString(CultureInfo.InvariantCulture), $"{memory.Name} ({pid.ToString(CultureInfo.InvariantCulture)})", Math.Round(memory.RssBytes / Mib, 2)));
            if (Row(pid, memory.Name) is not { } row)
            {
                continue;
            }

            row.FirstRss ??= memory.RssBytes;
            row.Rss = memory.RssBytes;
            row.Anon = memory.AnonBytes;
            row.Peak = Math.Max(row.Peak, memory.RssBytes);
            _processesChanged = true;
        }

        Rss.Add(start, end, series);
        PublishProcesses();
    }

    public void OnEvents(ReadOnlySpan<Event<MemoryPressure>> events)
    {
        if (events.IsEmpty)
        {
            return;
        }

        var (start, end) = Span(events);
        var avg = new List<(string, string, double)>();
        var stalled = new List<(string, string, double)>();
        foreach (ref readonly var e in events)
        {
            var p = e.Payload;
            avg.Add(("some:" + p.Scope, $"some {p.Scope}", p.SomeAvg10));
            avg.Add(("full:" + p.Scope, $"full {p.Scope}", p.FullAvg10));
            stalled.Add(("psi-some:" + p.Scope, $"PSI some {p.Scope}", p.SomeStallUs / 1000.0));
            stalled.Add(("psi-full:" + p.Scope, $"PSI full {p.Scope}", p.FullStallUs / 1000.0));
        }

        Pressure.Add(start, end, avg);

        // The same window's stall totals follow in their own batch: one point per window holds both.
        FlushPendingStalls();
        _pendingStalls = (start, end, stalled);
    }

    public void OnEvents(ReadOnlySpan<Event<MemoryStalls>> events)
    {
        if (events.IsEmpty)
        {
            return;
        }

        var (start, end) = Span(events);
        var values = new List<(string, string, double)>();
        if (_pendingStalls is { } pending && pending.Start == start)
        {
            values.AddRange(pending.Values);
            _pendingStalls = null;
        }

        FlushPendingStalls();
        foreach (ref readonly var e in events)
        {
            var (name, label) = e.Payload.Stall switch
            {
                MemoryStallKind.DirectReclaim => ("direct-reclaim", "direct reclaim (observed threads)"),
                MemoryStallKind.CgroupReclaim => ("cgroup-reclaim", "cgroup reclaim (observed threads)"),
                _ => ("compaction", "compaction (observed threads)"),
            };
            values.Add((name, label, e.Payload.TotalNs / 1e6));
        }

        Stalls.Add(start, end, values);
    }

    public void OnEvents(ReadOnlySpan<Event<OomKill>> events)
    {
        foreach (ref readonly var e in events)
        {
            var o = e.Payload;
            _ooms.Add(
            [
                Math.Round((e.Header.TimestampNs - _originNs) / 1e9, 3),
                (long)e.Header.Pid,
                o.VictimName,
                o.CgroupOom ? "cgroup" : "system",
                o.AnonRssBytes,
                o.FileRssBytes,
                o.ShmemRssBytes,
                o.TotalVmBytes,
                (long)o.OomScoreAdj,
                o.Cgroup,
                o.LimitCgroup,
                o.LimitBytes,
                o.LimitUsageBytes,
                (long)o.TriggerPid,
            ]);
        }

        if (!events.IsEmpty)
        {
            Ooms.Set(_ooms);
        }
    }

    public void OnTick(long watermarkNs)
    {
        // PSI totals of a window whose stall totals never came (the source stopped between the two).
        if (_pendingStalls is { } pending && watermarkNs > pending.End)
        {
            FlushPendingStalls();
        }
    }

    public void Reset()
    {
        _pendingStalls = null;
        _processes.Clear();
        _ooms.Clear();
        ProcessesNotKept = 0;
        Processes.Reset();
        Rss.Reset();
        Pressure.Reset();
        Stalls.Reset();
        Ooms.Reset();
    }

    public void OnFilterChanged(ProcessFilter filter)
    {
        _filter = filter;
        Reset();
    }

    private void FlushPendingStalls()
    {
        if (_pendingStalls is { } pending)
        {
            _pendingStalls = null;
            Stalls.Add(pending.Start, pending.End, pending.Values);
        }
    }

    private ProcessRow? Row(int pid, string name)
    {
        if (_processes.TryGetValue(pid, out var row))
        {
            if (name.Length > 0)
            {
                row.Name = name;
            }

            return row;
        }

        if (_processes.Count >= MaxProcesses)
        {
            ProcessesNotKept++;
            return null;
        }

        return _processes[pid] = new ProcessRow { Name = name };
    }

    private void PublishProcesses()
    {
        if (!_processesChanged)
        {
            return;
        }

        _processesChanged = false;
        Processes.Set(_processes
            .OrderByDescending(p => p.Value.Rss)
            .ThenByDescending(p => p.Value.Minor + p.Value.Major)
            .Select(p => new object[] { (long)p.Key, p.Value.Name, p.Value.Rss, p.Value.Rss - (p.Value.FirstRss ?? p.Value.Rss), p.Value.Peak, p.Value.Anon, p.Value.Minor, p.Value.Major }));
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

    private sealed class ProcessRow
    {
        public string Name { get; set; } = string.Empty;

        public long Rss { get; set; }

        public long? FirstRss { get; set; }

        public long Peak { get; set; }

        public long Anon { get; set; }

        public long Minor { get; set; }

        public long Major { get; set; }
    }
}

/// <summary>Adds the memory tables and series to every session with the <c>memory</c> source.</summary>
public sealed class MemoryAnalysisProvider : IAnalysisProvider
{
    public bool AppliesTo(IReadOnlySet<string> sources) => sources.Contains(MemoryAnalysis.SourceId);

    public IAnalysis Create(AnalysisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var analysis = new MemoryAnalysis(context.Filter.Current, context.OriginNs);
        context.Bus.Subscribe<PageFaultSample>(analysis);
        context.Bus.Subscribe<ProcessMemory>(analysis);
        context.Bus.Subscribe<MemoryPressure>(analysis);
        context.Bus.Subscribe<MemoryStalls>(analysis);
        context.Bus.Subscribe<OomKill>(analysis);
        return analysis;
    }
}
