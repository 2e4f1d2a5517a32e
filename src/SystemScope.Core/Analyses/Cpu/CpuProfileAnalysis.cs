using SystemScope.Core.Analyses.Stacks;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Cpu;
using SystemScope.Core.Models;
using SystemScope.Core.Models.FlameGraph;
using SystemScope.Core.Sessions;
using SystemScope.Core.Symbols;

namespace SystemScope.Core.Analyses.Cpu;

/// <summary>
/// The on-CPU profile of a session (<c>cpu.flamegraph</c>): symbolises each aggregated stack sample
/// once per window and adds it to a flame graph that keeps per-window history. Stacks are root first:
/// the process (when the filter is not one process), user frames from the outermost, then kernel frames.
/// </summary>
public sealed class CpuProfileAnalysis : IAnalysis, IEventSink<CpuStackSample>
{
    public const string ModelId = "cpu.flamegraph";

    private readonly StackBuilder _stacks;
    private readonly FlameGraphModel _model;
    private readonly WindowClock? _clock;
    private ProcessFilter _filter;

    /// <param name="clock">Closes empty windows when nothing was sampled (null: only windows with samples are kept).</param>
    public CpuProfileAnalysis(IStackSymbolizer symbolizer, ProcessFilter filter, WindowClock? clock = null)
    {
        _stacks = new StackBuilder(symbolizer);
        _filter = filter;
        _clock = clock;
        _model = new FlameGraphModel(new ModelDescriptor(ModelId, FlameGraphModel.TypeName, "CPU flame graph", "samples", ["cpu"])
        {
            Description = "On-CPU samples by stack (kernel and user), per window.",
            Primary = true,
        });
    }

    public FlameGraphModel Model => _model;

    public IReadOnlyList<IModel> Models => [_model];

    public void OnEvents(ReadOnlySpan<Event<CpuStackSample>> events)
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
        using var window = _model.BeginWindow(start, end);
        foreach (ref readonly var e in events)
        {
            // A window in flight when the filter changed still holds samples of the old processes.
            if (!_filter.MayMatch(e.Header.Pid))
            {
                continue;
            }

            var stack = _stacks.Build(e.Header.Pid, e.Payload.UserStack.Span, e.Payload.KernelStack.Span, processRoot ? e.Payload.ProcessName : null);
            window.Add(stack, e.Payload.Count);
        }
    }

    public void Reset()
    {
        _model.Reset();
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
            _model.CloseWindow(start, end);
        }
    }
}

/// <summary>Adds a CPU profile to every session that samples the CPU.</summary>
public sealed class CpuProfileAnalysisProvider(IStackSymbolizer symbolizer) : IAnalysisProvider
{
    public const string SourceId = "cpu";

    public bool AppliesTo(IReadOnlySet<string> sources) => sources.Contains(SourceId);

    public IAnalysis Create(AnalysisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var analysis = new CpuProfileAnalysis(symbolizer, context.Filter.Current, new WindowClock(context.OriginNs, context.Spec.Window));
        context.Bus.Subscribe(analysis);
        return analysis;
    }
}
