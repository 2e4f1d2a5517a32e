using SystemScope.Core.Events;
using SystemScope.Core.Events.Dotnet;
using SystemScope.Core.Models;
using SystemScope.Core.Models.Table;
using SystemScope.Core.Models.TimeSeries;
using SystemScope.Core.Sessions;

namespace SystemScope.Core.Analyses.Runtime;

/// <summary>
/// What the JIT compiled (<c>dotnet.jit</c>: method, tier, times compiled, time spent, code size) and
/// how fast over time (<c>dotnet.jit.rate</c>: methods and compile milliseconds per second), so a warm-up
/// or a tiering storm shows.
/// </summary>
public sealed class DotnetJitAnalysis : IAnalysis, IEventSink<DotnetJit>
{
    public const int MaxMethods = 20_000;

    private static readonly TableColumn[] Columns =
    [
        new("method", "Method", ColumnType.String),
        new("tier", "Tier", ColumnType.String),
        new("compilations", "Compiled", ColumnType.Int),
        new("jit_ms", "JIT time", ColumnType.Float, "ms"),
        new("code_bytes", "Code size", ColumnType.Int, "bytes"),
    ];

    private readonly Dictionary<(string Method, string Tier), (long Count, long Ns, long Bytes)> _methods = [];
    private readonly RateWindows _rate;
    private ProcessFilter _filter;
    private long _evicted;

    public DotnetJitAnalysis(ProcessFilter filter, long originNs, TimeSpan window)
    {
        _filter = filter;
        Table = new TableModel(new ModelDescriptor("dotnet.jit", TableModel.TypeName, ".NET JIT compilations", "ms", [DotnetGcAnalysis.SourceId])
        {
            Description = "Methods compiled by the JIT with their tier, how often, the compile time and the code size; longest compile time first.",
        }, Columns);
        Rate = new TimeSeriesModel(new ModelDescriptor("dotnet.jit.rate", TimeSeriesModel.TypeName, ".NET JIT rate", "per s", [DotnetGcAnalysis.SourceId]));
        _rate = new RateWindows(Rate, originNs, window, [("methods", "Methods compiled"), ("jit_ms", "JIT ms")]);
    }

    public TableModel Table { get; }

    public TimeSeriesModel Rate { get; }

    public IReadOnlyList<IModel> Models => [Table, Rate];

    public void OnEvents(ReadOnlySpan<Event<DotnetJit>> events)
    {
        foreach (ref readonly var e in events)
        {
            if (!_filter.MayMatch(e.Header.Pid))
            {
                continue;
            }

            var key = (e.Payload.Method, e.Payload.Tier);
            if (!_methods.TryGetValue(key, out var sum) && _methods.Count >= MaxMethods)
            {
                _evicted++;
                continue;
            }

            _methods[key] = (sum.Count + 1, sum.Ns + e.Header.DurationNs, Math.Max(sum.Bytes, e.Payload.CodeSize));
            _rate.Add(e.Header.TimestampNs, 0, 1);
            _rate.Add(e.Header.TimestampNs, 1, e.Header.DurationNs / 1e6);
        }

        if (events.Length > 0)
        {
            Table.Set(_methods.OrderByDescending(m => m.Value.Ns).ThenBy(m => m.Key.Method, StringComparer.Ordinal)
                .Select(m => new object[] { m.Key.Method, m.Key.Tier, m.Value.Count, m.Value.Ns / 1e6, m.Value.Bytes }));
        }
    }

    public void OnTick(long watermarkNs) => _rate.Flush(watermarkNs);

    public void Reset()
    {
        _methods.Clear();
        _evicted = 0;
        Table.Reset();
        Rate.Reset();
        _rate.Reset(MonotonicClock.NowNs());
    }

    public void OnFilterChanged(ProcessFilter filter)
    {
        _filter = filter;
        Reset();
    }

    /// <summary>Methods left out beyond <see cref="MaxMethods"/>.</summary>
    public long Evicted => _evicted;
}

/// <summary>Adds the JIT table and rate to every session with the <c>dotnet</c> source.</summary>
public sealed class DotnetJitAnalysisProvider : IAnalysisProvider
{
    public bool AppliesTo(IReadOnlySet<string> sources) => sources.Contains(DotnetGcAnalysis.SourceId);

    public IAnalysis Create(AnalysisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var analysis = new DotnetJitAnalysis(context.Filter.Current, context.OriginNs, context.Spec.Window);
        context.Bus.Subscribe(analysis);
        return analysis;
    }
}
