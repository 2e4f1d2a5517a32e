using SystemScope.Core.Events;
using SystemScope.Core.Events.Cpu;
using SystemScope.Core.Models;
using SystemScope.Core.Sessions;
using SystemScope.Core.Symbols;

namespace SystemScope.Core.Analyses;

/// <summary>
/// The on-CPU profile of a session: symbolises each aggregated stack sample once per window and
/// merges it into a call tree, root first (process, user frames from the outermost, then kernel
/// frames from the syscall entry down to the leaf). Readers take consistent snapshots under a lock.
/// </summary>
public sealed class CpuProfileAnalysis : IAnalysis, IEventSink<CpuStackSample>
{
    // The kernel unwinds at most 127 frames per stack; anything longer is clamped at the leaf end.
    private const int MaxFramesPerStack = 256;

    private readonly IStackSymbolizer _symbolizer;
    private readonly Lock _gate = new();
    private readonly CallTree _tree;
    private ProcessTarget _target;
    private TaskCompletionSource _changed = NewSignal();

    public CpuProfileAnalysis(IStackSymbolizer symbolizer, ProcessTarget target, int maxNodes = CallTree.DefaultMaxNodes)
    {
        _symbolizer = symbolizer;
        _tree = new CallTree(maxNodes);
        _target = target;
    }

    public long TotalSamples
    {
        get
        {
            lock (_gate)
            {
                return _tree.TotalSamples;
            }
        }
    }

    /// <summary>Completes the next time the model changes (a window merged, a reset): live views wait on it.</summary>
    public Task Changed
    {
        get
        {
            lock (_gate)
            {
                return _changed.Task;
            }
        }
    }

    public void OnEvents(ReadOnlySpan<Event<CpuStackSample>> events)
    {
        Span<Symbol> frames = new Symbol[1 + (2 * MaxFramesPerStack)];
        lock (_gate)
        {
            foreach (ref readonly var e in events)
            {
                // A window in flight when the target changed still holds the old target's samples.
                if (_target.Pid is { } pid && e.Header.Pid != pid)
                {
                    continue;
                }

                var stack = Symbolize(e, frames);
                _tree.Add(stack, e.Payload.Count);
            }

            _tree.Commit();
            SignalChanged();
        }
    }

    /// <summary>Process roots are shown when observing every process; retargeting starts a new profile.</summary>
    public void Retarget(ProcessTarget target)
    {
        lock (_gate)
        {
            _target = target;
            _tree.Reset();
            SignalChanged();
        }
    }

    public void Reset()
    {
        lock (_gate)
        {
            _tree.Reset();
            SignalChanged();
        }
    }

    public FlameGraphUpdate CreateUpdate(FlameGraphCursor since)
    {
        lock (_gate)
        {
            return _tree.CreateUpdate(since);
        }
    }

    /// <summary>Runs <paramref name="read"/> on the tree under the lock (exports).</summary>
    public T Read<T>(Func<CallTree, T> read)
    {
        lock (_gate)
        {
            return read(_tree);
        }
    }

    private Span<Symbol> Symbolize(in Event<CpuStackSample> e, Span<Symbol> buffer)
    {
        var user = LeafEnd(e.Payload.UserStack.Span);
        var kernel = LeafEnd(e.Payload.KernelStack.Span);

        var count = 0;
        if (_target.IsAllProcesses)
        {
            buffer[count++] = Symbol.ForProcess(e.Payload.ProcessName);
        }

        var userFrames = buffer.Slice(count, user.Length);
        _symbolizer.ResolveUser(e.Header.Pid, user, userFrames);
        userFrames.Reverse();
        count += user.Length;

        var kernelFrames = buffer.Slice(count, kernel.Length);
        _symbolizer.ResolveKernel(kernel, kernelFrames);
        kernelFrames.Reverse();
        count += kernel.Length;

        return buffer[..count];
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void SignalChanged()
    {
        var changed = _changed;
        _changed = NewSignal();
        changed.SetResult();
    }

    private static ReadOnlySpan<ulong> LeafEnd(ReadOnlySpan<ulong> stack) =>
        stack.Length > MaxFramesPerStack ? stack[..MaxFramesPerStack] : stack;
}

/// <summary>Adds a CPU profile to every session that samples the CPU.</summary>
public sealed class CpuProfileAnalysisProvider(IStackSymbolizer symbolizer) : IAnalysisProvider
{
    public const string SourceId = "cpu";

    public bool AppliesTo(SessionSpec spec) => spec.Sources.Contains(SourceId);

    public IAnalysis Create(SessionSpec spec, EventBus bus)
    {
        var analysis = new CpuProfileAnalysis(symbolizer, spec.Target);
        bus.Subscribe(analysis);
        return analysis;
    }
}
