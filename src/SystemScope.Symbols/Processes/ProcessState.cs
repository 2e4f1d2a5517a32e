using SystemScope.Symbols.Jit;

namespace SystemScope.Symbols.Processes;

/// <summary>
/// What is known about one process (one image: an exec starts a new state): its latest mapping
/// snapshot, its perf map, and whether and when it exited. Thread-safe; lookups read the current
/// snapshot without locking.
/// </summary>
internal sealed class ProcessState : IDisposable
{
    private readonly Lock _gate = new();
    private ProcessSnapshot? _snapshot;
    private long _refreshedTicks;
    private long _exitedTicks;
    private long _lastUsedTicks = Environment.TickCount64;
    private PerfMap? _perfMap;

    public ProcessState(int pid, long startTime)
    {
        Pid = pid;
        StartTime = startTime;
    }

    public int Pid { get; }

    /// <summary>Start time in clock ticks since boot (0 when unknown): tells this process from a later one with the same pid.</summary>
    public long StartTime { get; }

    public ProcessSnapshot? Snapshot => Volatile.Read(ref _snapshot);

    public bool Exited => Volatile.Read(ref _exitedTicks) != 0;

    public long ExitedTicks => Volatile.Read(ref _exitedTicks);

    public long LastUsedTicks => Volatile.Read(ref _lastUsedTicks);

    public PerfMap? PerfMap => Volatile.Read(ref _perfMap);

    public void Touch() => Volatile.Write(ref _lastUsedTicks, Environment.TickCount64);

    /// <summary>Records the exit once; the snapshot is kept for the grace period.</summary>
    public void MarkExited() => Interlocked.CompareExchange(ref _exitedTicks, Math.Max(1, Environment.TickCount64), 0);

    /// <summary>
    /// Re-reads the mappings unless another thread already replaced <paramref name="seen"/>, the last
    /// re-read is more recent than <paramref name="minInterval"/>, or the process has exited. An empty or
    /// unreadable map means the process is gone: the last good snapshot is kept.
    /// </summary>
    public ProcessSnapshot? Refresh(ProcessInspector inspector, ProcessSnapshot? seen, TimeSpan minInterval)
    {
        // Stray addresses arrive often: decline without the lock while the interval has not passed.
        if (seen is not null && Environment.TickCount64 - Volatile.Read(ref _refreshedTicks) < (long)minInterval.TotalMilliseconds)
        {
            return Snapshot;
        }

        lock (_gate)
        {
            var current = _snapshot;
            if (!ReferenceEquals(current, seen) || Exited
                || (current is not null && Environment.TickCount64 - _refreshedTicks < (long)minInterval.TotalMilliseconds))
            {
                return current;
            }

            var next = inspector.TryTakeSnapshot(Pid, current);
            Volatile.Write(ref _refreshedTicks, Environment.TickCount64);
            if (next is null)
            {
                MarkExited();
                return current;
            }

            Volatile.Write(ref _snapshot, next);
            return next;
        }
    }

    /// <summary>The perf map, created on first use with the places it may be found.</summary>
    public PerfMap GetOrCreatePerfMap(Func<ProcessState, PerfMap> create)
    {
        if (Volatile.Read(ref _perfMap) is { } existing)
        {
            return existing;
        }

        lock (_gate)
        {
            if (_perfMap is null)
            {
                Volatile.Write(ref _perfMap, create(this));
            }

            return _perfMap!;
        }
    }

    public void Dispose() => Volatile.Read(ref _perfMap)?.Dispose();
}
