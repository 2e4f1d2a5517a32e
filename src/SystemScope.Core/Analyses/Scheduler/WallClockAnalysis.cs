using SystemScope.Core.Analyses.Stacks;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Cpu;
using SystemScope.Core.Events.Scheduler;
using SystemScope.Core.Models;
using SystemScope.Core.Models.FlameGraph;
using SystemScope.Core.Sessions;
using SystemScope.Core.Symbols;

namespace SystemScope.Core.Analyses.Scheduler;

/// <summary>
/// The wall-clock flame graph (<c>wallclock.flamegraph</c>, µs): on-CPU time (samples × their period)
/// and off-CPU time of the same stacks in one graph — blocked time ends in a state leaf
/// (<c>[sleeping S]</c>, <c>[blocked D]</c>) and the wait for a CPU after the wakeup in
/// <c>[runnable]</c>, so the two are told apart by colour (state frames) while the stacks merge. The
/// two sources collect on their own clocks: what arrived is closed as one window once every source
/// has passed it.
/// </summary>
public sealed class WallClockAnalysis : IAnalysis, IEventSink<CpuStackSample>, IEventSink<OffCpuBlock>
{
    public const string ModelId = "wallclock.flamegraph";

    private static readonly Symbol Runnable = Symbol.ForState(SchedStates.Leaf(SchedState.Runnable));

    private readonly StackBuilder _stacks;
    private readonly long _windowNs;
    private ProcessFilter _filter;
    private long _openSinceNs = long.MaxValue;
    private long _openUntilNs = long.MinValue;

    public WallClockAnalysis(IStackSymbolizer symbolizer, ProcessFilter filter, TimeSpan window)
    {
        _stacks = new StackBuilder(symbolizer);
        _filter = filter;
        _windowNs = (long)window.TotalNanoseconds;
        Model = new FlameGraphModel(new ModelDescriptor(ModelId, FlameGraphModel.TypeName, "Wall-clock flame graph", "us", ["cpu", "offcpu"])
        {
            Description = "Where the wall time went (µs): on-CPU samples and off-CPU time (blocked, then waiting for a CPU) of the same stacks.",
            Primary = true,
        });
    }

    public FlameGraphModel Model { get; }

    public IReadOnlyList<IModel> Models => [Model];

    public void OnEvents(ReadOnlySpan<Event<CpuStackSample>> events)
    {
        var processRoot = _filter.SinglePid is null;
        foreach (ref readonly var e in events)
        {
            if (!_filter.MayMatch(e.Header.Pid))
            {
                continue;
            }

            Extend(e.Header);
            var micros = e.Payload.Count * Math.Max(1, e.Payload.PeriodNs) / 1000;
            var stack = _stacks.Build(e.Header.Pid, e.Payload.UserStack.Span, e.Payload.KernelStack.Span, processRoot ? e.Payload.ProcessName : null);
            Model.Add(stack, micros);
        }
    }

    public void OnEvents(ReadOnlySpan<Event<OffCpuBlock>> events)
    {
        var processRoot = _filter.SinglePid is null;
        Span<Symbol> leaf = [Runnable];
        foreach (ref readonly var e in events)
        {
            if (!_filter.MayMatch(e.Header.Pid))
            {
                continue;
            }

            Extend(e.Header);
            var block = e.Payload;
            var process = processRoot ? block.ProcessName : null;
            if (block.BlockedNs > 0)
            {
                leaf[0] = Symbol.ForState(SchedStates.Leaf(block.State));
                Model.Add(_stacks.Build(e.Header.Pid, block.UserStack.Span, block.KernelStack.Span, process, leaf), Math.Max(1, block.BlockedNs / 1000));
            }

            if (block.RunnableNs > 0)
            {
                leaf[0] = Runnable;
                Model.Add(_stacks.Build(e.Header.Pid, block.UserStack.Span, block.KernelStack.Span, process, leaf), Math.Max(1, block.RunnableNs / 1000));
            }
        }
    }

    /// <summary>Closes what arrived as one window once every source is past it and a window's time has gone by.</summary>
    public void OnTick(long watermarkNs)
    {
        // long.MaxValue: the session stopped, close what is open.
        if (_openUntilNs == long.MinValue || (watermarkNs != long.MaxValue && (watermarkNs < _openUntilNs || watermarkNs - _openSinceNs < _windowNs)))
        {
            return;
        }

        Model.CloseWindow(_openSinceNs, _openUntilNs);
        _openSinceNs = long.MaxValue;
        _openUntilNs = long.MinValue;
    }

    public void Reset()
    {
        Model.Reset();
        _openSinceNs = long.MaxValue;
        _openUntilNs = long.MinValue;
    }

    public void OnFilterChanged(ProcessFilter filter)
    {
        _filter = filter;
        Reset();
    }

    private void Extend(in EventHeader header)
    {
        _openSinceNs = Math.Min(_openSinceNs, header.TimestampNs);
        _openUntilNs = Math.Max(_openUntilNs, header.TimestampNs + header.DurationNs);
    }
}

/// <summary>Adds the wall-clock flame graph to every session that has both <c>cpu</c> and <c>offcpu</c>.</summary>
public sealed class WallClockAnalysisProvider(IStackSymbolizer symbolizer) : IAnalysisProvider
{
    public bool AppliesTo(IReadOnlySet<string> sources) => sources.Contains("cpu") && sources.Contains(OffCpuAnalysis.SourceId);

    public IAnalysis Create(AnalysisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var analysis = new WallClockAnalysis(symbolizer, context.Filter.Current, context.Spec.Window);
        context.Bus.Subscribe<CpuStackSample>(analysis);
        context.Bus.Subscribe<OffCpuBlock>(analysis);
        return analysis;
    }
}
