using SystemScope.Core.Events;
using SystemScope.Core.Events.Dotnet;
using SystemScope.Core.Models;
using SystemScope.Core.Models.Table;
using SystemScope.Core.Sessions;
using SystemScope.Core.Symbols;

namespace SystemScope.Core.Analyses.Runtime;

/// <summary>
/// Lock contention (<c>dotnet.contention</c>): waits grouped by process, the waiting method (the first
/// frame of the waiting stack outside the framework, so the code that took the lock, not
/// <c>Monitor.Enter</c>) and the lock, with the count, total and longest wait and the thread that last
/// held the lock when a wait began (.NET 8+).
/// </summary>
public sealed class DotnetContentionAnalysis : IAnalysis, IEventSink<DotnetContention>
{
    public const string ModelId = "dotnet.contention";
    public const int MaxKeys = 4096;

    private static readonly TableColumn[] Columns =
    [
        new("pid", "Process id", ColumnType.Int),
        new("method", "Waiting in", ColumnType.String),
        new("lock", "Lock", ColumnType.String),
        new("owner_tid", "Held by (last)", ColumnType.Int),
        new("waits", "Waits", ColumnType.Int),
        new("total_ms", "Total wait", ColumnType.Float, "ms"),
        new("max_ms", "Longest wait", ColumnType.Float, "ms"),
    ];

    private readonly ManagedFrames _frames;
    private readonly Dictionary<(int Pid, string Method, ulong Lock), Totals> _locks = [];
    private ProcessFilter _filter;

    public DotnetContentionAnalysis(IStackSymbolizer symbolizer, ProcessFilter filter)
    {
        _frames = new ManagedFrames(symbolizer);
        _filter = filter;
        Table = new TableModel(new ModelDescriptor(ModelId, TableModel.TypeName, ".NET lock contention", "ms", [DotnetGcAnalysis.SourceId])
        {
            Description = "Managed lock waits by waiting method and lock: how many, total and longest wait, and the thread holding the lock; most waited first.",
        }, Columns);
    }

    public TableModel Table { get; }

    public IReadOnlyList<IModel> Models => [Table];

    public void OnEvents(ReadOnlySpan<Event<DotnetContention>> events)
    {
        foreach (ref readonly var e in events)
        {
            if (!_filter.MayMatch(e.Header.Pid))
            {
                continue;
            }

            var method = _frames.FirstUserFrame(e.Header.Pid, e.Payload.Stack.Span);
            var key = (e.Header.Pid, method, e.Payload.LockId);
            if (!_locks.TryGetValue(key, out var totals))
            {
                if (_locks.Count >= MaxKeys)
                {
                    continue;
                }

                _locks[key] = totals = new Totals();
            }

            totals.Waits++;
            totals.Ns += e.Header.DurationNs;
            totals.MaxNs = Math.Max(totals.MaxNs, e.Header.DurationNs);
            totals.Owner = e.Payload.OwnerThreadId != 0 ? e.Payload.OwnerThreadId : totals.Owner;
        }

        if (events.Length > 0)
        {
            Table.Set(_locks.OrderByDescending(l => l.Value.Ns).Select(l => new object[]
            {
                (long)l.Key.Pid, l.Key.Method, l.Key.Lock == 0 ? "?" : $"0x{l.Key.Lock:x}", l.Value.Owner, l.Value.Waits, l.Value.Ns / 1e6, l.Value.MaxNs / 1e6,
            }));
        }
    }

    public void Reset()
    {
        _locks.Clear();
        Table.Reset();
    }

    public void OnFilterChanged(ProcessFilter filter)
    {
        _filter = filter;
        Reset();
    }

    private sealed class Totals
    {
        public long Waits;
        public long Ns;
        public long MaxNs;
        public long Owner;
    }
}

/// <summary>Adds the contention table to every session with the <c>dotnet</c> source.</summary>
public sealed class DotnetContentionAnalysisProvider(IStackSymbolizer symbolizer) : IAnalysisProvider
{
    public bool AppliesTo(IReadOnlySet<string> sources) => sources.Contains(DotnetGcAnalysis.SourceId);

    public IAnalysis Create(AnalysisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var analysis = new DotnetContentionAnalysis(symbolizer, context.Filter.Current);
        context.Bus.Subscribe(analysis);
        return analysis;
    }
}
