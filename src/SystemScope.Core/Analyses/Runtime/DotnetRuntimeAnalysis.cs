using SystemScope.Core.Events;
using SystemScope.Core.Events.Dotnet;
using SystemScope.Core.Models;
using SystemScope.Core.Models.Table;
using SystemScope.Core.Models.TimeSeries;
using SystemScope.Core.Sessions;

namespace SystemScope.Core.Analyses.Runtime;

/// <summary>
/// The runtime's counters and its thread pool: System.Runtime counters as series (<c>dotnet.counters</c>,
/// one point per interval), the thread pool's workers and queue (<c>dotnet.threadpool</c>: worker count,
/// queue length and completions from the counters, hill climbing's target), and hill climbing's
/// adjustments with their reason (<c>dotnet.threadpool.adjustments</c>: starvation shows here).
/// </summary>
public sealed class DotnetRuntimeAnalysis : IAnalysis, IEventSink<DotnetCounter>, IEventSink<DotnetThreadPool>
{
    public const int MaxAdjustments = 1000;

    private static readonly Dictionary<string, string> ThreadPoolCounters = new(StringComparer.Ordinal)
    {
        ["threadpool-thread-count"] = "Worker threads",
        ["threadpool-queue-length"] = "Queued work items",
        ["threadpool-completed-items-count"] = "Completed items/s",
    };

    private static readonly TableColumn[] AdjustmentColumns =
    [
        new("pid", "Process id", ColumnType.Int),
        new("at_ms", "At", ColumnType.Float, "ms"),
        new("workers", "Workers", ColumnType.Int),
        new("reason", "Reason", ColumnType.String),
        new("throughput", "Throughput", ColumnType.Float, "per s"),
    ];

    private readonly long _originNs;
    private readonly Queue<object[]> _adjustments = new();
    private ProcessFilter _filter;

    public DotnetRuntimeAnalysis(ProcessFilter filter, long originNs)
    {
        _filter = filter;
        _originNs = originNs;
        Counters = new TimeSeriesModel(new ModelDescriptor("dotnet.counters", TimeSeriesModel.TypeName, ".NET runtime counters", "value", [DotnetGcAnalysis.SourceId])
        {
            Description = "System.Runtime's counters (CPU, heap, GC counts, allocation rate, lock contention, thread pool, exceptions …) per interval.",
        });
        ThreadPool = new TimeSeriesModel(new ModelDescriptor("dotnet.threadpool", TimeSeriesModel.TypeName, ".NET thread pool", "threads", [DotnetGcAnalysis.SourceId])
        {
            Description = "Worker threads, queued work items and completions per second (counters), and the worker count hill climbing set.",
        });
        Adjustments = new TableModel(new ModelDescriptor("dotnet.threadpool.adjustments", TableModel.TypeName, ".NET thread pool adjustments", "threads", [DotnetGcAnalysis.SourceId])
        {
            Description = "Each change of the thread pool's worker count by hill climbing or worker start/stop, with why (warmup, starvation, climbing_move …); newest first.",
        }, AdjustmentColumns, MaxAdjustments);
    }

    public TimeSeriesModel Counters { get; }

    public TimeSeriesModel ThreadPool { get; }

    public TableModel Adjustments { get; }

    public IReadOnlyList<IModel> Models => [Counters, ThreadPool, Adjustments];

    public void OnEvents(ReadOnlySpan<Event<DotnetCounter>> events)
    {
        if (events.IsEmpty)
        {
            return;
        }

        var multi = _filter.SinglePid is null;
        var values = new List<(string, string, double)>();
        var pool = new List<(string, string, double)>();
        long start = long.MaxValue, end = long.MinValue;
        foreach (ref readonly var e in events)
        {
            if (!_filter.MayMatch(e.Header.Pid))
            {
                continue;
            }

            var prefix = multi ? $"{e.Header.Pid} " : string.Empty;
            var c = e.Payload;
            start = Math.Min(start, e.Header.TimestampNs);
            end = Math.Max(end, e.Header.TimestampNs);
            values.Add(($"{prefix}{c.Name}", $"{prefix}{c.Title}", c.Value));
            if (ThreadPoolCounters.TryGetValue(c.Name, out var label))
            {
                pool.Add(($"{prefix}{c.Name}", $"{prefix}{label}", c.Value));
            }
        }

        if (values.Count > 0)
        {
            Counters.Add(start, end + 1, values);
        }

        if (pool.Count > 0)
        {
            ThreadPool.Add(start, end + 1, pool);
        }
    }

    public void OnEvents(ReadOnlySpan<Event<DotnetThreadPool>> events)
    {
        var multi = _filter.SinglePid is null;
        foreach (ref readonly var e in events)
        {
            if (!_filter.MayMatch(e.Header.Pid))
            {
                continue;
            }

            var t = e.Payload;
            var prefix = multi ? $"{e.Header.Pid} " : string.Empty;
            ThreadPool.Add(e.Header.TimestampNs, e.Header.TimestampNs + 1, [($"{prefix}target", $"{prefix}Hill climbing target", t.Workers)]);
            _adjustments.Enqueue([(long)e.Header.Pid, (e.Header.TimestampNs - _originNs) / 1e6, (long)t.Workers, t.Reason, t.Throughput]);
            if (_adjustments.Count > MaxAdjustments)
            {
                _adjustments.Dequeue();
            }
        }

        if (events.Length > 0)
        {
            Adjustments.Set(_adjustments.Reverse());
        }
    }

    public void Reset()
    {
        _adjustments.Clear();
        Counters.Reset();
        ThreadPool.Reset();
        Adjustments.Reset();
    }

    public void OnFilterChanged(ProcessFilter filter)
    {
        _filter = filter;
        Reset();
    }
}

/// <summary>Adds the counters and thread-pool models to every session with the <c>dotnet</c> source.</summary>
public sealed class DotnetRuntimeAnalysisProvider : IAnalysisProvider
{
    public bool AppliesTo(IReadOnlySet<string> sources) => sources.Contains(DotnetGcAnalysis.SourceId);

    public IAnalysis Create(AnalysisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var analysis = new DotnetRuntimeAnalysis(context.Filter.Current, context.OriginNs);
        context.Bus.Subscribe<DotnetCounter>(analysis);
        context.Bus.Subscribe<DotnetThreadPool>(analysis);
        return analysis;
    }
}
