using SystemScope.Core.Events;
using SystemScope.Core.Events.Accel;
using SystemScope.Core.Models;
using SystemScope.Core.Models.Table;
using SystemScope.Core.Sessions;

namespace SystemScope.Core.Analyses.Accel;

/// <summary>
/// The accel source's models: DRM client usage (<see cref="DrmUsageModels"/>), NVML
/// (<see cref="NvmlModels"/>) and what each part of the source could use here (<c>accel.status</c>).
/// Device job spans (dma_fence, DRM scheduler) go to the timeline as activity spans, not here.
/// </summary>
public sealed class AccelAnalysis : IAnalysis, IEventSink<DrmClientUsage>, IEventSink<NvmlDeviceSample>, IEventSink<NvmlProcessSample>, IEventSink<AccelStatus>
{
    public const string SourceId = "accel";

    private static readonly TableColumn[] StatusColumns =
    [
        new("component", "Component", ColumnType.String),
        new("available", "Available", ColumnType.String),
        new("detail", "Detail", ColumnType.String),
    ];

    private readonly DrmUsageModels _drm = new(SourceId);
    private readonly NvmlModels _nvml = new(SourceId);
    private readonly SortedDictionary<string, object[]> _status = new(StringComparer.Ordinal);
    private ProcessFilter _filter;

    public AccelAnalysis(ProcessFilter filter)
    {
        _filter = filter;
        Status = new TableModel(new ModelDescriptor("accel.status", TableModel.TypeName, "Accelerator sources here", "", [SourceId])
        {
            Description = "What the accel source could read on this machine (DRM fdinfo, NVML, dma_fence and DRM scheduler tracepoints) and, where not, why.",
        }, StatusColumns);
    }

    public TableModel Status { get; }

    public IReadOnlyList<IModel> Models => [_drm.Clients, _drm.Busy, _drm.Memory, .. _nvml.All, Status];

    public void OnEvents(ReadOnlySpan<Event<DrmClientUsage>> events) => _drm.OnEvents(events, Wanted);

    public void OnEvents(ReadOnlySpan<Event<NvmlDeviceSample>> events) => _nvml.OnEvents(events);

    public void OnEvents(ReadOnlySpan<Event<NvmlProcessSample>> events) => _nvml.OnEvents(events, Wanted);

    public void OnEvents(ReadOnlySpan<Event<AccelStatus>> events)
    {
        foreach (ref readonly var e in events)
        {
            _status[e.Payload.Component] = [e.Payload.Component, e.Payload.Available ? "yes" : "no", e.Payload.Detail];
        }

        if (!events.IsEmpty)
        {
            Status.Set(_status.Values);
        }
    }

    public void Reset()
    {
        // The status says what the machine offers: it survives a reset.
        _drm.Reset();
        _nvml.Reset();
    }

    public void OnFilterChanged(ProcessFilter filter)
    {
        _filter = filter;
        Reset();
    }

    private bool Wanted(int pid) => _filter.MayMatch(pid);
}

/// <summary>Adds the accel models to every session with the <c>accel</c> source.</summary>
public sealed class AccelAnalysisProvider : IAnalysisProvider
{
    public bool AppliesTo(IReadOnlySet<string> sources) => sources.Contains(AccelAnalysis.SourceId);

    public IAnalysis Create(AnalysisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var analysis = new AccelAnalysis(context.Filter.Current);
        context.Bus.Subscribe<DrmClientUsage>(analysis);
        context.Bus.Subscribe<NvmlDeviceSample>(analysis);
        context.Bus.Subscribe<NvmlProcessSample>(analysis);
        context.Bus.Subscribe<AccelStatus>(analysis);
        return analysis;
    }
}
