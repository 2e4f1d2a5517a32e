using SystemScope.Core.Analyses.Stacks;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Scheduler;
using SystemScope.Core.Models;
using SystemScope.Core.Models.FlameGraph;
using SystemScope.Core.Sessions;
using SystemScope.Core.Symbols;

namespace SystemScope.Core.Analyses.Scheduler;

/// <summary>
/// Off-CPU time by blocking stack (<c>offcpu.flamegraph</c>, µs blocked, the thread's state as the leaf:
/// <c>[sleeping S]</c>, <c>[blocked D]</c>), and the same with who woke it (<c>offcpu.wakers</c>): each
/// blocked stack continues with <c>[woken by]</c>, the waker's process and thread and the waker's stack,
/// root first, as offwaketime shows it — zoom on a blocked stack to see the flame graph of its wakers.
/// </summary>
public sealed class OffCpuAnalysis : IAnalysis, IEventSink<OffCpuBlock>
{
    public const string SourceId = "offcpu";
    public const string FlameGraphId = "offcpu.flamegraph";
    public const string WakersId = "offcpu.wakers";

    private static readonly Symbol WokenBy = Symbol.ForState("[woken by]");
    private static readonly Symbol UnknownWaker = Symbol.ForState("[waker unknown]");

    private readonly StackBuilder _stacks;
    private readonly StackBuilder _wakerStacks;
    private readonly Symbol[] _combined = new Symbol[(2 * ((2 * StackBuilder.MaxFramesPerStack) + 8)) + 4];
    private readonly WindowClock? _clock;
    private ProcessFilter _filter;

    public OffCpuAnalysis(IStackSymbolizer symbolizer, ProcessFilter filter, WindowClock? clock = null)
    {
        _clock = clock;
        _stacks = new StackBuilder(symbolizer);
        _wakerStacks = new StackBuilder(symbolizer);
        _filter = filter;
        FlameGraph = new FlameGraphModel(new ModelDescriptor(FlameGraphId, FlameGraphModel.TypeName, "Off-CPU flame graph", "us", [SourceId])
        {
            Description = "Time threads spent blocked (µs), by the stack they blocked in and their state.",
            Primary = true,
        });
        Wakers = new FlameGraphModel(new ModelDescriptor(WakersId, FlameGraphModel.TypeName, "Off-CPU with wakers", "us", [SourceId])
        {
            Description = "Blocked time (µs) by blocking stack, then by who woke the thread and the waker's stack.",
        });
    }

    public FlameGraphModel FlameGraph { get; }

    public FlameGraphModel Wakers { get; }

    public IReadOnlyList<IModel> Models => [FlameGraph, Wakers];

    public void OnEvents(ReadOnlySpan<Event<OffCpuBlock>> events)
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
        using var blocked = FlameGraph.BeginWindow(start, end);
        using var woken = Wakers.BeginWindow(start, end);
        Span<Symbol> leaf = [Symbol.ForState(SchedStates.Leaf(SchedState.Sleeping))];
        foreach (ref readonly var e in events)
        {
            var block = e.Payload;
            if (!_filter.MayMatch(e.Header.Pid) || block.BlockedNs <= 0)
            {
                continue;
            }

            var micros = Math.Max(1, block.BlockedNs / 1000);
            leaf[0] = Symbol.ForState(SchedStates.Leaf(block.State));
            var stack = _stacks.Build(e.Header.Pid, block.UserStack.Span, block.KernelStack.Span, processRoot ? block.ProcessName : null, leaf);
            blocked.Add(stack, micros);
            woken.Add(WithWaker(stack, block.Waker), micros);
        }
    }

    public void Reset()
    {
        FlameGraph.Reset();
        Wakers.Reset();
        _clock?.Reset(Events.MonotonicClock.NowNs());
    }

    public void OnTick(long watermarkNs)
    {
        foreach (var (start, end) in _clock?.Empty(watermarkNs) ?? [])
        {
            FlameGraph.CloseWindow(start, end);
            Wakers.CloseWindow(start, end);
        }
    }

    public void OnFilterChanged(ProcessFilter filter)
    {
        _filter = filter;
        Reset();
    }

    private ReadOnlySpan<Symbol> WithWaker(ReadOnlySpan<Symbol> blocked, in Waker waker)
    {
        var buffer = _combined.AsSpan();
        blocked.CopyTo(buffer);
        var count = blocked.Length;
        buffer[count++] = WokenBy;
        if (!waker.IsKnown)
        {
            buffer[count++] = UnknownWaker;
            return buffer[..count];
        }

        var wakerStack = _wakerStacks.Build(waker.Pid, waker.UserStack.Span, waker.KernelStack.Span, null);
        ReadOnlySpan<Symbol> frames;
        if (WakerKinds.Interrupt(wakerStack) is { } interrupt)
        {
            // Not the thread the interrupt happened to land on: the interrupt itself.
            buffer[count++] = Symbol.ForState($"[{interrupt.Name}]");
            frames = wakerStack[interrupt.FirstInterruptFrame..];
        }
        else
        {
            buffer[count++] = Symbol.ForProcess(waker.Pid == 0 ? "idle" : $"{waker.Name} (tid {waker.Tid})");
            frames = wakerStack;
        }

        var take = Math.Min(frames.Length, buffer.Length - count);
        frames[..take].CopyTo(buffer[count..]);
        return buffer[..(count + take)];
    }
}

/// <summary>Adds the off-CPU flame graphs to every session with the <c>offcpu</c> source.</summary>
public sealed class OffCpuAnalysisProvider(IStackSymbolizer symbolizer) : IAnalysisProvider
{
    public bool AppliesTo(IReadOnlySet<string> sources) => sources.Contains(OffCpuAnalysis.SourceId);

    public IAnalysis Create(AnalysisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var analysis = new OffCpuAnalysis(symbolizer, context.Filter.Current, new WindowClock(context.OriginNs, context.Spec.Window));
        context.Bus.Subscribe(analysis);
        return analysis;
    }
}
