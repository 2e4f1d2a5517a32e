using SystemScope.Core.Analyses.Stacks;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Dotnet;
using SystemScope.Core.Models;
using SystemScope.Core.Models.FlameGraph;
using SystemScope.Core.Models.Table;
using SystemScope.Core.Sessions;
using SystemScope.Core.Symbols;

namespace SystemScope.Core.Analyses.Runtime;

/// <summary>
/// Allocations by managed stack (<c>dotnet.allocations</c>): each AllocationTick sample counts the bytes
/// it stands for under the process (when the filter is not one process), the allocating managed frames
/// root first, and the allocated type as the leaf, so the types that cost most and where they are made
/// read off one graph. Built like the CPU profile: per-window history, ranges, diffs. The types alone,
/// with bytes and samples, are a table (<c>dotnet.allocation.types</c>).
/// </summary>
public sealed class DotnetAllocationAnalysis : IAnalysis, IEventSink<DotnetAllocation>
{
    public const string ModelId = "dotnet.allocations";
    public const int MaxTypes = 4096;

    private static readonly TableColumn[] TypeColumns =
    [
        new("type", "Type", ColumnType.String),
        new("bytes", "Allocated (sampled)", ColumnType.Int, "bytes"),
        new("samples", "Samples", ColumnType.Int),
    ];

    private readonly Dictionary<string, (long Bytes, long Samples)> _types = new(StringComparer.Ordinal);

    private readonly StackBuilder _stacks;
    private readonly Dictionary<string, Symbol[]> _typeLeaves = new(StringComparer.Ordinal);
    private readonly WindowClock? _clock;
    private ProcessFilter _filter;

    public DotnetAllocationAnalysis(IStackSymbolizer symbolizer, ProcessFilter filter, WindowClock? clock = null)
    {
        _stacks = new StackBuilder(symbolizer);
        _filter = filter;
        _clock = clock;
        Model = new FlameGraphModel(new ModelDescriptor(ModelId, FlameGraphModel.TypeName, ".NET allocations", "bytes", [DotnetGcAnalysis.SourceId])
        {
            Description = "Sampled allocations (about one sample per 100 KB) by allocating managed stack, the allocated type as the leaf, in bytes.",
        });
        Types = new TableModel(new ModelDescriptor("dotnet.allocation.types", TableModel.TypeName, ".NET allocations by type", "bytes", [DotnetGcAnalysis.SourceId])
        {
            Description = "Allocated types by sampled bytes (each sample stands for about 100 KB allocated); most first.",
        }, TypeColumns);
    }

    public FlameGraphModel Model { get; }

    public TableModel Types { get; }

    public IReadOnlyList<IModel> Models => [Model, Types];

    public void OnEvents(ReadOnlySpan<Event<DotnetAllocation>> events)
    {
        if (events.IsEmpty)
        {
            return;
        }

        long start = long.MaxValue, end = long.MinValue;
        foreach (ref readonly var e in events)
        {
            start = Math.Min(start, e.Header.TimestampNs);
            end = Math.Max(end, e.Header.TimestampNs);
        }

        var processRoot = _filter.SinglePid is null;
        _clock?.Closed(end);
        using var window = Model.BeginWindow(start, end + 1);
        foreach (ref readonly var e in events)
        {
            if (!_filter.MayMatch(e.Header.Pid))
            {
                continue;
            }

            var allocation = e.Payload;
            if (!_typeLeaves.TryGetValue(allocation.TypeName, out var leaf))
            {
                _typeLeaves[allocation.TypeName] = leaf = [new Symbol(allocation.TypeName, "type", FrameKind.State)];
            }

            var stack = _stacks.Build(e.Header.Pid, allocation.Stack.Span, [], processRoot ? $"pid {e.Header.Pid}" : null, leaf);
            window.Add(stack, allocation.Bytes);
            if (_types.TryGetValue(allocation.TypeName, out var sum) || _types.Count < MaxTypes)
            {
                _types[allocation.TypeName] = (sum.Bytes + allocation.Bytes, sum.Samples + 1);
            }
        }

        Types.Set(_types.OrderByDescending(t => t.Value.Bytes).Select(t => new object[] { t.Key, t.Value.Bytes, t.Value.Samples }));
    }

    public void Reset()
    {
        _types.Clear();
        Types.Reset();
        Model.Reset();
        _clock?.Reset(MonotonicClock.NowNs());
    }

    public void OnFilterChanged(ProcessFilter filter)
    {
        _filter = filter;
        Reset();
    }

    public void OnTick(long watermarkNs)
    {
        foreach (var (start, end) in _clock?.Empty(watermarkNs) ?? [])
        {
            Model.CloseWindow(start, end);
        }
    }
}

/// <summary>Adds the allocation flame graph to every session with the <c>dotnet</c> source.</summary>
public sealed class DotnetAllocationAnalysisProvider(IStackSymbolizer symbolizer) : IAnalysisProvider
{
    public bool AppliesTo(IReadOnlySet<string> sources) => sources.Contains(DotnetGcAnalysis.SourceId);

    public IAnalysis Create(AnalysisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var analysis = new DotnetAllocationAnalysis(symbolizer, context.Filter.Current, new WindowClock(context.OriginNs, context.Spec.Window));
        context.Bus.Subscribe(analysis);
        return analysis;
    }
}
