using SystemScope.Core.Events;
using SystemScope.Core.Events.Dotnet;
using SystemScope.Core.Models;
using SystemScope.Core.Models.Table;
using SystemScope.Core.Sessions;
using SystemScope.Core.Symbols;

namespace SystemScope.Core.Analyses.Runtime;

/// <summary>
/// Exceptions thrown (<c>dotnet.exceptions</c>: type, the method that threw it — the first frame outside the
/// framework, so an exception the framework raises for the app's call is found at that call — the
/// innermost managed frame, count) and how many runtime events
/// of each kind the session received (<c>dotnet.events</c>), with the streams that ended and why.
/// </summary>
public sealed class DotnetExceptionAnalysis :
    IAnalysis, IEventSink<DotnetException>, IEventSink<DotnetGc>, IEventSink<DotnetAllocation>, IEventSink<DotnetJit>,
    IEventSink<DotnetContention>, IEventSink<DotnetThreadPool>, IEventSink<DotnetCounter>, IEventSink<DotnetStream>
{
    public const int MaxKeys = 4096;

    private static readonly TableColumn[] ExceptionColumns =
    [
        new("pid", "Process id", ColumnType.Int),
        new("type", "Exception", ColumnType.String),
        new("method", "Thrown from", ColumnType.String),
        new("leaf", "Innermost frame", ColumnType.String),
        new("count", "Thrown", ColumnType.Int),
    ];

    private static readonly TableColumn[] CountColumns =
    [
        new("kind", "Event", ColumnType.String),
        new("count", "Count", ColumnType.Int),
    ];

    private readonly ManagedFrames _frames;
    private readonly Dictionary<(int Pid, string Type, string Method, string Leaf), long> _exceptions = [];
    private readonly Dictionary<string, long> _counts = new(StringComparer.Ordinal);
    private ProcessFilter _filter;

    public DotnetExceptionAnalysis(IStackSymbolizer symbolizer, ProcessFilter filter)
    {
        _frames = new ManagedFrames(symbolizer);
        _filter = filter;
        Exceptions = new TableModel(new ModelDescriptor("dotnet.exceptions", TableModel.TypeName, ".NET exceptions", "exceptions", [DotnetGcAnalysis.SourceId])
        {
            Description = "Exceptions thrown (first chance) by type and throwing method; messages are not kept unless the source's exceptionMessages option asks.",
        }, ExceptionColumns);
        Counts = new TableModel(new ModelDescriptor("dotnet.events", TableModel.TypeName, ".NET runtime events", "events", [DotnetGcAnalysis.SourceId])
        {
            Description = "How many runtime events of each kind were received, and each process's stream that started or ended (with why).",
        }, CountColumns);
    }

    public TableModel Exceptions { get; }

    public TableModel Counts { get; }

    public IReadOnlyList<IModel> Models => [Exceptions, Counts];

    public void OnEvents(ReadOnlySpan<Event<DotnetException>> events)
    {
        foreach (ref readonly var e in events)
        {
            if (!_filter.MayMatch(e.Header.Pid))
            {
                continue;
            }

            var stack = e.Payload.Stack.Span;
            var key = (e.Header.Pid, e.Payload.TypeName, _frames.FirstUserFrame(e.Header.Pid, stack), _frames.FirstManagedFrame(e.Header.Pid, stack));
            if (_exceptions.ContainsKey(key) || _exceptions.Count < MaxKeys)
            {
                _exceptions[key] = _exceptions.GetValueOrDefault(key) + 1;
            }
        }

        if (events.Length > 0)
        {
            Exceptions.Set(_exceptions.OrderByDescending(x => x.Value).Select(x => new object[] { (long)x.Key.Pid, x.Key.Type, x.Key.Method, x.Key.Leaf, x.Value }));
        }

        Count("exception", events.Length);
    }

    public void OnEvents(ReadOnlySpan<Event<DotnetGc>> events) => Count("gc", events.Length);

    public void OnEvents(ReadOnlySpan<Event<DotnetAllocation>> events) => Count("allocation sample", events.Length);

    public void OnEvents(ReadOnlySpan<Event<DotnetJit>> events) => Count("jit", events.Length);

    public void OnEvents(ReadOnlySpan<Event<DotnetContention>> events) => Count("lock wait", events.Length);

    public void OnEvents(ReadOnlySpan<Event<DotnetThreadPool>> events) => Count("thread pool", events.Length);

    public void OnEvents(ReadOnlySpan<Event<DotnetCounter>> events) => Count("counter value", events.Length);

    public void OnEvents(ReadOnlySpan<Event<DotnetStream>> events)
    {
        foreach (ref readonly var e in events)
        {
            Count(e.Payload.Started ? $"stream started (pid {e.Header.Pid}): {e.Payload.Detail}" : $"stream ended (pid {e.Header.Pid}): {e.Payload.Detail}", 1);
        }
    }

    public void Reset()
    {
        _exceptions.Clear();
        _counts.Clear();
        Exceptions.Reset();
        Counts.Reset();
    }

    public void OnFilterChanged(ProcessFilter filter)
    {
        _filter = filter;
        Reset();
    }

    private void Count(string kind, int count)
    {
        if (count == 0 || (!_counts.ContainsKey(kind) && _counts.Count >= MaxKeys))
        {
            return;
        }

        _counts[kind] = _counts.GetValueOrDefault(kind) + count;
        Counts.Set(_counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => new object[] { c.Key, c.Value }));
    }
}

/// <summary>Adds the exceptions and event counts to every session with the <c>dotnet</c> source.</summary>
public sealed class DotnetExceptionAnalysisProvider(IStackSymbolizer symbolizer) : IAnalysisProvider
{
    public bool AppliesTo(IReadOnlySet<string> sources) => sources.Contains(DotnetGcAnalysis.SourceId);

    public IAnalysis Create(AnalysisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var analysis = new DotnetExceptionAnalysis(symbolizer, context.Filter.Current);
        context.Bus.Subscribe<DotnetException>(analysis);
        context.Bus.Subscribe<DotnetGc>(analysis);
        context.Bus.Subscribe<DotnetAllocation>(analysis);
        context.Bus.Subscribe<DotnetJit>(analysis);
        context.Bus.Subscribe<DotnetContention>(analysis);
        context.Bus.Subscribe<DotnetThreadPool>(analysis);
        context.Bus.Subscribe<DotnetCounter>(analysis);
        context.Bus.Subscribe<DotnetStream>(analysis);
        return analysis;
    }
}
