using Microsoft.Diagnostics.NETCore.Client;
using SystemScope.Symbols.Jit;
using SystemScope.Symbols.Processes;
using SystemScope.Symbols.Support;

namespace SystemScope.Symbols.Runtimes.Dotnet;

/// <summary>
/// Switches the perf map of .NET processes on over their diagnostic port while at least one session
/// observes them, and off again when the last one stops, unless the process switched it on itself.
/// Every diagnostic-port request runs on the thread pool with a timeout, one at a time per process;
/// callers never wait for it and failures are recorded, never thrown. Switching the map off also removes
/// the files the runtime wrote because of it (<c>perf-NSPID.map</c>, <c>perfinfo-NSPID.map</c> in the
/// process's temporary directory, seen through <c>/proc/PID/root</c>), unless they were there before:
/// a process that never asked for a map keeps none.
/// </summary>
internal sealed class DotnetPerfMapController(string procRoot, TimeSpan timeout, FailureLog failures, Action<int> perfMapReady)
{
    private static readonly string[] EnablingVariables = ["DOTNET_PerfMapEnabled", "COMPlus_PerfMapEnabled"];

    private readonly Lock _gate = new();
    private readonly Dictionary<int, Target> _targets = [];

    // Requests of targets removed while they still ran, so that WhenIdle waits for them too.
    private readonly List<Task> _retired = [];
    private long _disabled;
    private long _removed;

    public int EnabledCount
    {
        get
        {
            lock (_gate)
            {
                return _targets.Values.Count(t => t.State == PerfMapControlState.On);
            }
        }
    }

    public long DisabledCount => Interlocked.Read(ref _disabled);

    /// <summary>Perf map files removed after switching a map off (files the runtime wrote because we asked it to).</summary>
    public long RemovedFileCount => Interlocked.Read(ref _removed);

    public PerfMapControlState StateOf(int pid)
    {
        lock (_gate)
        {
            return _targets.TryGetValue(pid, out var target) ? target.State : PerfMapControlState.Unknown;
        }
    }

    /// <summary>A session observes the process: its perf map is wanted (once it is known to run .NET).</summary>
    public void Acquire(int pid, object holder)
    {
        lock (_gate)
        {
            if (!_targets.TryGetValue(pid, out var target))
            {
                _targets[pid] = target = new Target(pid);
            }

            if (target.Holders.Add(holder) && target.State == PerfMapControlState.Failed)
            {
                target.State = PerfMapControlState.Off;
            }

            Schedule(target);
        }
    }

    /// <summary>What the process's current image runs, learnt from its mappings.</summary>
    public void SetRuntime(int pid, bool isDotnet, long startTime)
    {
        lock (_gate)
        {
            if (!_targets.TryGetValue(pid, out var target))
            {
                return;
            }

            target.StartTime = startTime;
            if (target.State is PerfMapControlState.Unknown or PerfMapControlState.NotDotnet)
            {
                target.State = isDotnet ? PerfMapControlState.Off : PerfMapControlState.NotDotnet;
            }

            Schedule(target);
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

    /// <summary>The process exited: its runtime is gone, there is nothing to switch off.</summary>
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

    /// <summary>The process replaced its image: a new runtime (if any) with its perf map off.</summary>
    public void Exec(int pid)
    {
        lock (_gate)
        {
            if (_targets.TryGetValue(pid, out var target))
            {
                target.State = PerfMapControlState.Unknown;
            }
        }
    }

    /// <summary>Completes when every request started so far has finished.</summary>
    public Task WhenIdle()
    {
        lock (_gate)
        {
            return Task.WhenAll(_targets.Values.Select(t => t.Pending).Concat(_retired));
        }
    }

    private void Schedule(Target target)
    {
        target.Pending = target.Pending.ContinueWith(_ => ReconcileAsync(target), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
    }

    private async Task ReconcileAsync(Target target)
    {
        while (true)
        {
            bool wanted;
            PerfMapControlState state;
            long startTime;
            lock (_gate)
            {
                wanted = target.Holders.Count > 0 && !target.Gone;
                state = target.State;
                startTime = target.StartTime;
                if (!wanted && state != PerfMapControlState.On)
                {
                    Forget(target);
                    return;
                }
            }

            if (wanted && state == PerfMapControlState.Off)
            {
                var result = await EnableAsync(target, startTime).ConfigureAwait(false);
                lock (_gate)
                {
                    if (target.State == PerfMapControlState.Off)
                    {
                        target.State = result;
                    }
                }

                if (result is PerfMapControlState.On or PerfMapControlState.External)
                {
                    perfMapReady(target.Pid);
                }

                continue;
            }

            if (!wanted && state == PerfMapControlState.On)
            {
                // After an exit there is no runtime to talk to; after pid reuse it would be someone else's.
                if (!target.Gone && startTime != 0 && ProcessInfo.ReadStartTime(procRoot, target.Pid) == startTime)
                {
                    await DisableAsync(target, startTime).ConfigureAwait(false);
                }

                lock (_gate)
                {
                    target.State = PerfMapControlState.Off;
                }

                continue;
            }

            return;
        }
    }

    private void Forget(Target target)
    {
        if (_targets.TryGetValue(target.Pid, out var current) && ReferenceEquals(current, target) && target.Holders.Count == 0)
        {
            _targets.Remove(target.Pid);
        }
    }

    private async Task<PerfMapControlState> EnableAsync(Target target, long startTime)
    {
        var pid = target.Pid;
        var environment = ProcessInfo.ReadEnvironment(procRoot, pid, [.. EnablingVariables, PerfMaps.PathVariable, PerfMaps.TempVariable]);
        foreach (var name in EnablingVariables)
        {
            if (environment.TryGetValue(name, out var value) && value.Trim() is { Length: > 0 } and not "0")
            {
                return PerfMapControlState.External;
            }
        }

        // Files present now are the process's own (an earlier run of the map, another tool): never removed.
        target.FilesToRemove = [.. MapFiles(pid, environment).Where(path => !File.Exists(path))];
        try
        {
            await SendAsync(pid, startTime, environment, static client => client.EnablePerfMap(PerfMapType.PerfMap)).ConfigureAwait(false);
            return PerfMapControlState.On;
        }
        catch (Exception ex)
        {
            failures.Record(pid, "perf-map-enable", ex.Message);
            return PerfMapControlState.Failed;
        }
    }

    private async Task DisableAsync(Target target, long startTime)
    {
        var pid = target.Pid;
        var environment = ProcessInfo.ReadEnvironment(procRoot, pid, PerfMaps.PathVariable, PerfMaps.TempVariable);
        try
        {
            await SendAsync(pid, startTime, environment, static client => client.DisablePerfMap()).ConfigureAwait(false);
            Interlocked.Increment(ref _disabled);
        }
        catch (Exception ex)
        {
            // Still writing to it: removing the file now would only hide the map from us, not stop it.
            failures.Record(pid, "perf-map-disable", ex.Message);
            return;
        }

        RemoveFiles(pid, target.FilesToRemove);
        target.FilesToRemove = [];
    }

    /// <summary>The perf map and perf info files the runtime may write, in each temporary directory it may use.</summary>
    private IEnumerable<string> MapFiles(int pid, Dictionary<string, string> environment)
    {
        var nsPid = ProcessInfo.ReadNamespacePid(procRoot, pid);
        foreach (var directory in PerfMaps.Directories(environment))
        {
            yield return $"{procRoot}/{pid}/root{directory}/perf-{nsPid}.map";
            yield return $"{procRoot}/{pid}/root{directory}/perfinfo-{nsPid}.map";
        }
    }

    private void RemoveFiles(int pid, IReadOnlyList<string> paths)
    {
        foreach (var path in paths)
        {
            try
            {
                if (File.Exists(path))
                {
                    File.Delete(path);
                    Interlocked.Increment(ref _removed);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                failures.Record(pid, "perf-map-remove", $"{path}: {ex.Message}");
            }
        }
    }

    private async Task SendAsync(int pid, long startTime, Dictionary<string, string> environment, Action<DiagnosticsClient> command)
    {
        var nsPid = ProcessInfo.ReadNamespacePid(procRoot, pid);
        var socket = DiagnosticSocket.Find(procRoot, pid, nsPid, startTime, PerfMaps.Directories(environment))
            ?? throw new InvalidOperationException(
                $"no diagnostic socket dotnet-diagnostic-{nsPid}-*-socket in the process's temporary directory (diagnostics disabled with DOTNET_EnableDiagnostics=0?)");

        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await using var connector = await DiagnosticsClientConnector.FromDiagnosticPort($"{socket},connect", cancellation.Token).ConfigureAwait(false);

            // The client's commands are synchronous: run them off the caller's thread, bounded by the timeout.
            await Task.Run(() => command(connector.Instance), cancellation.Token).WaitAsync(cancellation.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            throw new TimeoutException($"diagnostic port {socket} did not answer within {timeout.TotalSeconds:0.#} s");
        }
    }

    private sealed class Target(int pid)
    {
        public int Pid { get; } = pid;

        public HashSet<object> Holders { get; } = new(ReferenceEqualityComparer.Instance);

        public PerfMapControlState State { get; set; }

        public long StartTime { get; set; }

        public bool Gone { get; set; }

        /// <summary>Map files that did not exist when we switched the map on: ours to remove when switching it off.</summary>
        public IReadOnlyList<string> FilesToRemove { get; set; } = [];

        public Task Pending { get; set; } = Task.CompletedTask;
    }
}
