using SystemScope.Core.Analyses.Stacks;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Memory;
using SystemScope.Core.Models;
using SystemScope.Core.Models.FlameGraph;
using SystemScope.Core.Sessions;
using SystemScope.Core.Symbols;

namespace SystemScope.Core.Analyses.Memory;

/// <summary>
/// Page faults by stack (<c>memory.faults</c>): each fault counts one, under the process (when the
/// filter is not one process), the faulting user frames, kernel frames when the fault was taken in the
/// kernel, and a leaf that says <c>[minor fault]</c> or <c>[major fault]</c>, so both kinds share their
/// stacks and stand apart at the tip. Built like the CPU profile: per-window history, ranges, diffs.
/// </summary>
public sealed class PageFaultAnalysis : IAnalysis, IEventSink<PageFaultSample>
{
    public const string ModelId = "memory.faults";
    public const string MinorLeaf = "[minor fault]";
    public const string MajorLeaf = "[major fault]";

    private static readonly Symbol[] Minor = [Symbol.ForState(MinorLeaf)];
    private static readonly Symbol[] Major = [Symbol.ForState(MajorLeaf)];

    private readonly StackBuilder _stacks;
    private readonly WindowClock? _clock;
    private ProcessFilter _filter;

    /// <param name="clock">Closes empty windows when nothing faulted (null: only windows with faults are kept).</param>
    public PageFaultAnalysis(IStackSymbolizer symbolizer, ProcessFilter filter, WindowClock? clock = null)
    {
        _stacks = new StackBuilder(symbolizer);
        _filter = filter;
        _clock = clock;
        Model = new FlameGraphModel(new ModelDescriptor(ModelId, FlameGraphModel.TypeName, "Page faults", "faults", [MemoryAnalysis.SourceId])
        {
            Description = "Page faults (minor and major) by the stack that faulted, per window.",
            Primary = true,
        });
    }

    public FlameGraphModel Model { get; }

    public IReadOnlyList<IModel> Models => [Model];

    public void OnEvents(ReadOnlySpan<Event<PageFaultSample>> events)
    {
        if (events.IsEmpty)
        {
            return;
        }

        long start = long.MaxValue, end = long.MinValue;
        foreach (ref readonly var e in events)
        {
            start = Math.Min(start, e.Header.TimestampNs);
            end = Math.Max(end, e.Header.TimestampNs + e.Header.DurationNs);
        }

        var processRoot = _filter.SinglePid is null;
        _clock?.Closed(end);
        using var window = Model.BeginWindow(start, end);
        foreach (ref readonly var e in events)
        {
            // A window in flight when the filter changed still holds faults of the old processes.
            if (!_filter.MayMatch(e.Header.Pid))
            {
                continue;
            }

            var fault = e.Payload;
            var stack = _stacks.Build(e.Header.Pid, fault.UserStack.Span, fault.KernelStack.Span, processRoot ? fault.ProcessName : null, fault.Major ? Major : Minor);
            window.Add(stack, fault.Count);
        }
    }

    public void Reset()
    {
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

/// <summary>Adds the page-fault flame graph to every session with the <c>memory</c> source.</summary>
public sealed class PageFaultAnalysisProvider(IStackSymbolizer symbolizer) : IAnalysisProvider
{
    public bool AppliesTo(IReadOnlySet<string> sources) => sources.Contains(MemoryAnalysis.SourceId);

    public IAnalysis Create(AnalysisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var analysis = new PageFaultAnalysis(symbolizer, context.Filter.Current, new WindowClock(context.OriginNs, context.Spec.Window));
        context.Bus.Subscribe(analysis);
        return analysis;
    }
}
