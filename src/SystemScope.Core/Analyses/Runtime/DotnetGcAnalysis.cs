using SystemScope.Core.Events;
using SystemScope.Core.Events.Dotnet;
using SystemScope.Core.Models;
using SystemScope.Core.Models.Table;
using SystemScope.Core.Models.TimeSeries;
using SystemScope.Core.Sessions;

namespace SystemScope.Core.Analyses.Runtime;

/// <summary>
/// Garbage collections of the observed .NET processes: the list (<c>dotnet.gcs</c>: generation, reason,
/// type, pause, heap before and after, promoted, free space), pauses over time (<c>dotnet.gc.pauses</c>)
/// and heap sizes per generation after each collection (<c>dotnet.heap</c>).
/// </summary>
public sealed class DotnetGcAnalysis : IAnalysis, IEventSink<DotnetGc>
{
    public const string SourceId = "dotnet";
    public const string ListId = "dotnet.gcs";
    public const int MaxRows = 1000;

    private static readonly string[] Generations = ["gen0", "gen1", "gen2", "loh", "poh"];

    private static readonly TableColumn[] Columns =
    [
        new("pid", "Process id", ColumnType.Int),
        new("number", "GC", ColumnType.Int),
        new("at_ms", "At", ColumnType.Float, "ms"),
        new("generation", "Generation", ColumnType.Int),
        new("reason", "Reason", ColumnType.String),
        new("type", "Type", ColumnType.String),
        new("pause_ms", "Pause", ColumnType.Float, "ms"),
        new("duration_ms", "Duration", ColumnType.Float, "ms"),
        new("before_bytes", "Heap before", ColumnType.Int, "bytes"),
        new("after_bytes", "Heap after", ColumnType.Int, "bytes"),
        new("promoted_bytes", "Promoted", ColumnType.Int, "bytes"),
        new("fragmentation_bytes", "Free in heap", ColumnType.Int, "bytes"),
    ];

    private readonly long _originNs;
    private readonly Queue<object[]> _rows = new();
    private ProcessFilter _filter;

    public DotnetGcAnalysis(ProcessFilter filter, long originNs)
    {
        _filter = filter;
        _originNs = originNs;
        List = new TableModel(new ModelDescriptor(ListId, TableModel.TypeName, ".NET garbage collections", "ms", [SourceId])
        {
            Description = "Every collection: generation, reason, type, pause (managed threads suspended), heap before and after, promoted bytes, free space left in the heap; newest first.",
            Primary = true,
        }, Columns, MaxRows);
        Pauses = new TimeSeriesModel(new ModelDescriptor("dotnet.gc.pauses", TimeSeriesModel.TypeName, ".NET GC pauses", "ms", [SourceId])
        {
            Description = "Each collection's pause (suspension to restart) at the time it ran, per process.",
        });
        Heap = new TimeSeriesModel(new ModelDescriptor("dotnet.heap", TimeSeriesModel.TypeName, ".NET heap after each GC", "bytes", [SourceId])
        {
            Description = "Heap size per generation (0, 1, 2, large and pinned object heaps) after each collection.",
        });
    }

    public TableModel List { get; }

    public TimeSeriesModel Pauses { get; }

    public TimeSeriesModel Heap { get; }

    public IReadOnlyList<IModel> Models => [List, Pauses, Heap];

    public void OnEvents(ReadOnlySpan<Event<DotnetGc>> events)
    {
        var multi = _filter.SinglePid is null;
        foreach (ref readonly var e in events)
        {
            if (!_filter.MayMatch(e.Header.Pid))
            {
                continue;
            }

            var gc = e.Payload;
            var prefix = multi ? $"{e.Header.Pid} " : string.Empty;
            var start = e.Header.TimestampNs;
            var end = start + Math.Max(1, e.Header.DurationNs);
            Pauses.Add(start, end, [($"{prefix}pause", $"{prefix}pause", gc.PauseNs / 1e6)]);
            var sizes = gc.SizesAfter.Span;
            Heap.Add(start, end, Enumerable.Range(0, Math.Min(sizes.Length, Generations.Length)).Select(i => ($"{prefix}{Generations[i]}", $"{prefix}{Generations[i]}", (double)gc.SizesAfter.Span[i])).ToList());
            long promoted = 0;
            foreach (var p in gc.PromotedBytes.Span)
            {
                promoted += p;
            }

            _rows.Enqueue(
            [
                (long)e.Header.Pid, gc.Number, (start - _originNs) / 1e6, (long)gc.Generation, gc.Reason, gc.Type,
                gc.PauseNs / 1e6, e.Header.DurationNs / 1e6, gc.BeforeBytes, gc.AfterBytes, promoted, gc.FragmentationBytes,
            ]);
            if (_rows.Count > MaxRows)
            {
                _rows.Dequeue();
            }
        }

        if (events.Length > 0)
        {
            List.Set(_rows.Reverse());
        }
    }

    public void Reset()
    {
        _rows.Clear();
        List.Reset();
        Pauses.Reset();
        Heap.Reset();
    }

    public void OnFilterChanged(ProcessFilter filter)
    {
        _filter = filter;
        Reset();
    }
}

/// <summary>Adds the GC list and series to every session with the <c>dotnet</c> source.</summary>
public sealed class DotnetGcAnalysisProvider : IAnalysisProvider
{
    public bool AppliesTo(IReadOnlySet<string> sources) => sources.Contains(DotnetGcAnalysis.SourceId);

    public IAnalysis Create(AnalysisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var analysis = new DotnetGcAnalysis(context.Filter.Current, context.OriginNs);
        context.Bus.Subscribe(analysis);
        return analysis;
    }
}
