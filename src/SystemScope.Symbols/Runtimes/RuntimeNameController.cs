using SystemScope.Symbols.Processes;
using SystemScope.Symbols.Support;

namespace SystemScope.Symbols.Runtimes;

/// <summary>
/// The bookkeeping shared by runtimes whose names are asked for per process: which sessions hold which
/// process, one request at a time per process on the thread pool, switched on when the first session
/// sees a process of this runtime, refreshed periodically when the runtime writes snapshots, switched
/// off and cleaned up when the last session leaves (unless the process exited or its pid was reused).
/// </summary>
internal abstract class RuntimeNameController(string procRoot, FailureLog failures, Action<int> perfMapRewritten) : IRuntimeNames, IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<int, Target> _targets = [];
    private readonly List<Task> _retired = [];
    private Timer? _refresh;

    protected string ProcRoot => procRoot;

    /// <summary>The name failures are recorded under (<c>jvm-perf-map</c>).</summary>
    protected abstract string Kind { get; }

    /// <summary>How often a written snapshot is asked for again while held; null when the runtime appends by itself.</summary>
    protected virtual TimeSpan? RefreshInterval => null;

    public int ActiveCount
    {
        get
        {
            lock (_gate)
            {
                return _targets.Values.Count(t => t.On);
            }
        }
    }

    /// <summary>Whether the mappings show this runtime.</summary>
    protected abstract bool Runs(ProcessSnapshot snapshot);

    /// <summary>Switches names on (or asks for a new snapshot); returns whether the perf map file existed before the first request.</summary>
    protected abstract Task<bool> EnableAsync(int pid, bool first);

    /// <summary>Switches names off and removes what the agent caused (<paramref name="removeMap"/>: the perf map did not exist before).</summary>
    protected abstract Task DisableAsync(int pid, bool removeMap);

    public void Acquire(int pid, object holder)
    {
        lock (_gate)
        {
            if (!_targets.TryGetValue(pid, out var target))
            {
                _targets[pid] = target = new Target(pid);
            }

            if (target.Holders.Add(holder))
            {
                target.Failed = false;
            }

            Schedule(target);
        }
    }

    public void SetImage(int pid, ProcessSnapshot snapshot, long startTime)
    {
        lock (_gate)
        {
            // A process seen again may have loaded the runtime since (a JVM maps libjvm.so after its launcher starts).
            if (!_targets.TryGetValue(pid, out var target) || target.Runs == true)
            {
                return;
            }

            target.Runs = Runs(snapshot);
            target.StartTime = startTime;
            Schedule(target);
        }
    }

    public void Exec(int pid)
    {
        lock (_gate)
        {
            if (_targets.TryGetValue(pid, out var target))
            {
                target.Runs = null;
                target.On = false;
            }
        }
    }

    public void Exited(int pid)
    {
        lock (_gate)
        {
            if (_targets.Remove(pid, out var target))
            {
                target.Gone = true;
                _retired.RemoveAll(t => t.IsCompleted);
                _retired.Add(target.Pending);
            }
        }
    }

    public void Release(object holder)
    {
        lock (_gate)
        {
            foreach (var target in _targets.Values)
            {
                if (target.Holders.Remove(holder))
                {
                    Schedule(target);
                }
            }
        }
    }

    public Task WhenIdle()
    {
        lock (_gate)
        {
            return Task.WhenAll(_targets.Values.Select(t => t.Pending).Concat(_retired));
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _refresh?.Dispose();
            _refresh = null;
        }
    }

    // Called with the gate held.
    private void Schedule(Target target, bool refresh = false)
    {
        target.Pending = target.Pending.ContinueWith(_ => ReconcileAsync(target, refresh), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
        if (RefreshInterval is { } interval && _refresh is null && target.Holders.Count > 0)
        {
            _refresh = new Timer(_ => RefreshHeld(), null, interval, interval);
        }
    }

    private void RefreshHeld()
    {
        lock (_gate)
        {
            var held = _targets.Values.Where(t => t.On && t.Holders.Count > 0).ToList();
            if (held.Count == 0 && _targets.Count == 0)
            {
                // Nothing observed any more: an idle agent runs no timer; the next Acquire starts one again.
                _refresh?.Dispose();
                _refresh = null;
                return;
            }

            foreach (var target in held)
            {
                Schedule(target, refresh: true);
            }
        }
    }

    private async Task ReconcileAsync(Target target, bool refresh)
    {
        bool wanted, on, failed;
        bool? runs;
        lock (_gate)
        {
            wanted = target.Holders.Count > 0 && !target.Gone;
            (on, failed, runs) = (target.On, target.Failed, target.Runs);
        }

        try
        {
            if (wanted && runs == true && (!on || refresh) && !failed)
            {
                var existed = await EnableAsync(target.Pid, first: !on).ConfigureAwait(false);
                lock (_gate)
                {
                    if (!target.On)
                    {
                        target.MapExisted = existed;
                    }

                    target.On = true;
                }

                perfMapRewritten(target.Pid);
            }
            else if (!wanted && on)
            {
                lock (_gate)
                {
                    target.On = false;
                }

                // After an exit there is no process to clean up after; after pid reuse it would be someone else's.
                if (!target.Gone && ProcessInfo.ReadStartTime(procRoot, target.Pid) == target.StartTime)
                {
                    await DisableAsync(target.Pid, removeMap: !target.MapExisted).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex)
        {
            lock (_gate)
            {
                target.Failed = true;
            }

            failures.Record(target.Pid, Kind, ex.Message);
        }

        lock (_gate)
        {
            if (target.Holders.Count == 0 && !target.On && _targets.TryGetValue(target.Pid, out var current) && ReferenceEquals(current, target))
            {
                _targets.Remove(target.Pid);
            }
        }
    }

    private sealed class Target(int pid)
    {
        public int Pid { get; } = pid;

        public HashSet<object> Holders { get; } = new(ReferenceEqualityComparer.Instance);

        /// <summary>Whether the process runs this runtime; null until its mappings were read.</summary>
        public bool? Runs { get; set; }

        public bool On { get; set; }

        public bool Failed { get; set; }

        public bool MapExisted { get; set; }

        public bool Gone { get; set; }

        public long StartTime { get; set; }

        public Task Pending { get; set; } = Task.CompletedTask;
    }
}
