using System.Collections.Concurrent;

namespace SystemScope.Symbols.Processes;

/// <summary>
/// The processes symbolisation knows, by pid. Exited processes stay for a grace period so that their
/// last samples resolve; beyond the cap the longest-exited go first, then the least recently used.
/// </summary>
internal sealed class ProcessTable(int capacity, TimeSpan grace) : IDisposable
{
    private const long SweepEveryMs = 1000;

    private readonly ConcurrentDictionary<int, ProcessState> _states = new();
    private readonly Lock _sweepGate = new();
    private long _lastSweepTicks = Environment.TickCount64;

    public int Count => _states.Count;

    public int ExitedCount => _states.Values.Count(s => s.Exited);

    public IEnumerable<ProcessState> States => _states.Values;

    public bool TryGet(int pid, out ProcessState state) => _states.TryGetValue(pid, out state!);

    /// <summary>Adds the state unless another thread added one first; returns the one in the table.</summary>
    public ProcessState GetOrAdd(ProcessState state)
    {
        var current = _states.GetOrAdd(state.Pid, state);
        if (!ReferenceEquals(current, state))
        {
            state.Dispose();
        }

        SweepIfFull();
        return current;
    }

    /// <summary>Puts a new state for the pid (a new process with a reused pid, or a new image after exec).</summary>
    public void Replace(ProcessState state)
    {
        ProcessState? old = null;
        _states.AddOrUpdate(state.Pid, state, (_, existing) =>
        {
            old = existing;
            return state;
        });
        if (old is not null && !ReferenceEquals(old, state))
        {
            old.Dispose();
        }

        SweepIfFull();
    }

    /// <summary>Sweeps at most once a second; cheap enough for every lookup (no count: it would take every bucket lock).</summary>
    public void SweepIfDue()
    {
        var now = Environment.TickCount64;
        if (now - Volatile.Read(ref _lastSweepTicks) < SweepEveryMs)
        {
            return;
        }

        lock (_sweepGate)
        {
            Volatile.Write(ref _lastSweepTicks, now);
            Sweep(now);
        }
    }

    private void SweepIfFull()
    {
        if (_states.Count > capacity)
        {
            SweepNow();
        }
        else
        {
            SweepIfDue();
        }
    }

    public void SweepNow()
    {
        lock (_sweepGate)
        {
            Volatile.Write(ref _lastSweepTicks, Environment.TickCount64);
            Sweep(Environment.TickCount64);
        }
    }

    public void Dispose() => Clear();

    /// <summary>Forgets every process (their perf maps are closed); lookups start over from /proc.</summary>
    public void Clear()
    {
        foreach (var state in _states.Values)
        {
            state.Dispose();
        }

        _states.Clear();
    }

    private void Sweep(long now)
    {
        var graceMs = (long)grace.TotalMilliseconds;
        foreach (var (pid, state) in _states)
        {
            if (state.Exited && now - state.ExitedTicks >= graceMs)
            {
                Remove(pid, state);
            }
        }

        var excess = _states.Count - capacity;
        if (excess <= 0)
        {
            return;
        }

        var victims = _states.Values
            .OrderBy(s => s.Exited ? 0 : 1)
            .ThenBy(s => s.Exited ? s.ExitedTicks : s.LastUsedTicks)
            .Take(excess)
            .ToList();
        foreach (var state in victims)
        {
            Remove(state.Pid, state);
        }
    }

    private void Remove(int pid, ProcessState state)
    {
        if (_states.TryRemove(new KeyValuePair<int, ProcessState>(pid, state)))
        {
            state.Dispose();
        }
    }
}
