using System.Threading.Channels;
using SystemScope.Core.Events.Process;
using SystemScope.Symbols.Processes;
using SystemScope.Symbols.Runtimes;
using SystemScope.Symbols.Support;

namespace SystemScope.Symbols.Sessions;

/// <summary>
/// Acts on process changes off the publisher's thread: on Seen and Exec it snapshots the mappings
/// and parses the binaries at once (so that a process that exits, or whose file is deleted, before its
/// samples are resolved still symbolises), opens the perf map of JIT processes and tells the registered
/// runtimes (.NET, JVM, …) what runs there; on Exit it marks the process exited and reads the rest of its perf map.
/// </summary>
internal sealed class ProcessTracker : IDisposable
{
    private readonly Channel<Change> _changes;
    private readonly ProcessTable _processes;
    private readonly ProcessInspector _inspector;
    private readonly UserFrameResolver _resolver;
    private readonly IReadOnlyList<IRuntimeNames> _runtimes;
    private readonly FailureLog _failures;
    private readonly Lock _startGate = new();
    private Task? _worker;
    private long _dropped;

    public ProcessTracker(int capacity, ProcessTable processes, ProcessInspector inspector, UserFrameResolver resolver, IReadOnlyList<IRuntimeNames> runtimes, FailureLog failures)
    {
        _changes = Channel.CreateBounded<Change>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,

            // With Wait, TryWrite fails when full: the publisher is never blocked, the loss is counted.
            FullMode = BoundedChannelFullMode.Wait,
        });
        _processes = processes;
        _inspector = inspector;
        _resolver = resolver;
        _runtimes = runtimes;
        _failures = failures;
    }

    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Called on the publisher's thread: cheap bookkeeping now, the rest queued.</summary>
    public void OnChange(object holder, int pid, ProcessChange change)
    {
        if (pid <= 0)
        {
            return;
        }

        switch (change)
        {
            case ProcessChange.Seen:
                foreach (var runtime in _runtimes)
                {
                    runtime.Acquire(pid, holder);
                }

                break;
            case ProcessChange.Exec:
                foreach (var runtime in _runtimes)
                {
                    runtime.Exec(pid);
                }

                break;
            case ProcessChange.Exit:
                if (_processes.TryGet(pid, out var state))
                {
                    state.MarkExited();
                }

                foreach (var runtime in _runtimes)
                {
                    runtime.Exited(pid);
                }

                break;
        }

        EnsureStarted();
        if (!_changes.Writer.TryWrite(new Change(pid, change, null)))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    /// <summary>Completes when every change queued before the call has been handled.</summary>
    public async Task FlushAsync()
    {
        EnsureStarted();
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await _changes.Writer.WriteAsync(new Change(0, default, done)).ConfigureAwait(false);
        await done.Task.ConfigureAwait(false);
    }

    /// <summary>Does now what a Seen change does (snapshot and parse); returns the process, or null when it is gone.</summary>
    public ProcessState? Track(int pid, bool exec)
    {
        if (!ProcessInfo.Exists(_inspector.ProcRoot, pid))
        {
            return _processes.TryGet(pid, out var known) ? known : null;
        }

        var startTime = ProcessInfo.ReadStartTime(_inspector.ProcRoot, pid);
        ProcessState state;
        if (!exec && _processes.TryGet(pid, out var existing) && existing.StartTime == startTime)
        {
            // The same process: refresh, unless it is already exiting (its last good snapshot is kept).
            state = existing;
            state.Refresh(_inspector, state.Snapshot, TimeSpan.Zero);
        }
        else
        {
            state = new ProcessState(pid, startTime);
            state.Refresh(_inspector, null, TimeSpan.Zero);
            _processes.Replace(state);
        }

        if (state.Snapshot is not { } snapshot)
        {
            return state;
        }

        foreach (var mapping in snapshot.Mappings)
        {
            if (mapping.Binary is { IsLoaded: false } binary)
            {
                binary.Load();
            }
        }

        if (snapshot.HasJitRegions)
        {
            _resolver.PerfMapOf(state).Refresh();
        }

        foreach (var runtime in _runtimes)
        {
            runtime.SetImage(pid, snapshot, startTime);
        }

        return state;
    }

    public void Dispose() => _changes.Writer.TryComplete();

    private void EnsureStarted()
    {
        if (Volatile.Read(ref _worker) is not null)
        {
            return;
        }

        lock (_startGate)
        {
            _worker ??= Task.Run(RunAsync);
        }
    }

    private async Task RunAsync()
    {
        await foreach (var change in _changes.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (change.Done is { } done)
            {
                done.TrySetResult();
                continue;
            }

            try
            {
                Handle(change);
            }
            catch (Exception ex)
            {
                // One bad process must not stop the others from being tracked.
                _failures.Record(change.Pid, "track", ex.Message);
            }
        }
    }

    private void Handle(Change change)
    {
        switch (change.Kind)
        {
            case ProcessChange.Seen:
            case ProcessChange.Exec:
                Track(change.Pid, change.Kind == ProcessChange.Exec);
                break;
            case ProcessChange.Exit:
                if (_processes.TryGet(change.Pid, out var state))
                {
                    state.MarkExited();
                    state.PerfMap?.Complete();
                }

                break;
        }
    }

    private readonly record struct Change(int Pid, ProcessChange Kind, TaskCompletionSource? Done);
}
