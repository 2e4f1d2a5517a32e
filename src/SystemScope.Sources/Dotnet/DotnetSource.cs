using System.Collections.Concurrent;
using SystemScope.Core.Errors;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Dotnet;
using SystemScope.Core.Events.Process;
using SystemScope.Core.Sessions;
using SystemScope.Core.Sources;

namespace SystemScope.Sources.Dotnet;

/// <summary>
/// The dotnet source for one session: an EventPipe session in every .NET process the filter selects
/// (a pid list: those, each of which must be .NET; otherwise every process mapping libcoreclr.so that
/// matches, looked for again every 2 s), each read on its own thread. A process that exits ends its
/// stream (<see cref="DotnetStream"/> says so) and the others go on. Its watermark trails the clock by
/// half a second: the runtime hands events over in batches every 100 ms.
/// </summary>
internal sealed class DotnetSource(SourceContext context, string procRoot) : ISource
{
    private static readonly TimeSpan AttachTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);
    private const long WatermarkLagNs = 500_000_000;
    private const int RescanTicks = 8;

    // A process that could not be observed (a port that did not answer in time under load, a runtime
    // still starting) is tried again after this long, whatever the filter: a timeout is not a verdict.
    private const long RetryAfterMs = 10_000;

    private readonly ConcurrentDictionary<int, RuntimeStream> _streams = new();
    private readonly ConcurrentDictionary<int, string> _problems = new();
    private readonly ConcurrentDictionary<int, long> _retryAtMs = new();
    private readonly ConcurrentDictionary<int, byte> _attaching = new();
    private readonly ConcurrentDictionary<int, byte> _announced = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _publishGate = new();
    private DotnetSettings _settings = new(true, true, false, 1);
    private Thread? _control;
    private IDisposable? _filterSubscription;
    private volatile bool _paused;
    private volatile bool _rescan;
    private long _published;
    private long _droppedPaused;
    private long _ended;
    private long _lostEnded;
    private long _malformedEnded;

    public SourceDescriptor Descriptor => DotnetSourceProvider.SourceDescriptor;

    public IReadOnlyList<string> Mechanisms { get; private set; } = [];

    public IReadOnlyList<SourceCounter> Counters =>
    [
        new("processes.attached", _streams.Count, CounterKind.Info, ".NET processes with a live EventPipe session"),
        new("processes.unreachable", _problems.Count, CounterKind.Info, "selected processes that could not be observed (not .NET, port disabled, refused)"),
        new("streams.ended", Interlocked.Read(ref _ended), CounterKind.Info, "runtime streams that ended (process exited or stopped)"),
        new("events", Interlocked.Read(ref _published), CounterKind.Events, "runtime events published"),
        new("events.lost", Interlocked.Read(ref _lostEnded) + _streams.Values.Sum(s => s.EventsLost), CounterKind.Lost, "events the runtime dropped (its buffers were full)"),
        new("events.malformed", Interlocked.Read(ref _malformedEnded) + _streams.Values.Sum(s => s.Malformed), CounterKind.Lost, "events too short for their version (skipped)"),
        new("events.paused", Interlocked.Read(ref _droppedPaused), CounterKind.Info, "events dropped while the session was paused"),
        new("stream.bytes", _streams.Values.Sum(s => s.Bytes), CounterKind.Info, "bytes of nettrace read from the live streams"),
    ];

    /// <summary>Why each process that could not be observed was not.</summary>
    public IReadOnlyDictionary<int, string> Problems => _problems;

    public void Start()
    {
        var options = context.Options;
        _settings = new DotnetSettings(
            options.Get(DotnetSourceProvider.Allocations),
            options.Get(DotnetSourceProvider.Stacks),
            options.Get(DotnetSourceProvider.ExceptionMessages),
            (int)options.Get(DotnetSourceProvider.CounterInterval));
        var filter = context.Filter.Current;
        Attach(filter, wait: true);
        if (filter.Pids.Count > 0 && _streams.IsEmpty)
        {
            var reasons = filter.Pids.Select(p => _problems.TryGetValue(p, out var why) ? why : $"pid {p}: not attached");
            throw new UnavailableException("dotnet-unavailable", $"source dotnet: {string.Join("; ", reasons)}");
        }

        _filterSubscription = context.Filter.Subscribe(_ => _rescan = true);
        _control = new Thread(Control) { IsBackground = true, Name = "systemscope dotnet source" };
        _control.Start();
    }

    public void Pause() => _paused = true;

    public void Resume() => _paused = false;

    public void Dispose()
    {
        _stop.Cancel();
        _filterSubscription?.Dispose();
        _control?.Join();
        Parallel.ForEach(_streams.Values, stream => stream.Stop(StopTimeout));
        foreach (var stream in _streams.Values)
        {
            stream.Dispose();
        }

        context.Sink.Advance(MonotonicClock.NowNs());
        _stop.Dispose();
    }

    private void Control()
    {
        var ticks = 0;
        while (!_stop.Token.WaitHandle.WaitOne(Tick))
        {
            context.Sink.Advance(MonotonicClock.NowNs() - WatermarkLagNs);
            var filter = context.Filter.Current;
            if (_rescan || ++ticks % RescanTicks == 0)
            {
                var filterChanged = _rescan;
                _rescan = false;
                foreach (var pid in _streams.Keys.Where(p => filter.Pids.Count > 0 && !filter.Pids.Contains(p)).ToList())
                {
                    if (_streams.TryRemove(pid, out var gone))
                    {
                        gone.Dispose();
                    }
                }

                Attach(filter, wait: filterChanged);
            }
        }
    }

    /// <summary>
    /// Starts a session in every selected .NET process not yet attached, each on a thread of its own
    /// (the client blocks while connecting: on the thread pool, twenty at once starved it into timeouts),
    /// each bounded by the timeout. A process that cannot be observed is said so in the event counts.
    /// </summary>
    private void Attach(ProcessFilter filter, bool wait)
    {
        var now = Environment.TickCount64;
        var candidates = DotnetTargets.Find(procRoot, filter, context.AgentPid)
            .Where(pid => !_streams.ContainsKey(pid) && !(_retryAtMs.TryGetValue(pid, out var at) && now < at))
            .Where(pid => _attaching.TryAdd(pid, 0))
            .ToList();
        var threads = candidates.Select(pid => new Thread(() => AttachOne(pid)) { IsBackground = true, Name = $"systemscope dotnet attach {pid}" }).ToList();
        threads.ForEach(t => t.Start());
        if (!wait)
        {
            // A periodic rescan does not hold the control loop (and so the watermark) for a slow port.
            return;
        }

        var deadline = DateTime.UtcNow + AttachTimeout + TimeSpan.FromSeconds(1);
        foreach (var thread in threads)
        {
            thread.Join(Max(TimeSpan.Zero, deadline - DateTime.UtcNow));
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private void AttachOne(int pid)
    {
        try
        {
            TryAttach(pid);
        }
        finally
        {
            _attaching.TryRemove(pid, out _);
        }
    }

    private void TryAttach(int pid)
    {
        var target = DotnetTargets.Resolve(procRoot, pid);
        string problem;
        if (target.Socket is null)
        {
            problem = target.Problem!;
        }
        else
        {
            try
            {
                var stream = RuntimeStream.StartAsync(target, _settings, AttachTimeout, null, Deliver, Ended).GetAwaiter().GetResult();
                _streams[pid] = stream;
                if (_stop.IsCancellationRequested && _streams.TryRemove(new KeyValuePair<int, RuntimeStream>(pid, stream)))
                {
                    // The source stopped while this attach was in flight: end the session it just opened.
                    stream.Dispose();
                    return;
                }

                _problems.TryRemove(pid, out _);
                _retryAtMs.TryRemove(pid, out _);
                Mechanisms = [.. _streams.Values.Select(s => s.Command).Distinct()];
                Publish(pid, [new(new EventHeader(DotnetStream.Kind, MonotonicClock.NowNs(), pid, pid), new DotnetStream(true, string.Empty, stream.Command, 0))]);
                return;
            }
            catch (Exception ex) when (ex is TimeoutException or IOException)
            {
                problem = ex.Message;
            }
        }

        _retryAtMs[pid] = Environment.TickCount64 + RetryAfterMs;
        if (_problems.TryAdd(pid, problem))
        {
            Publish(pid, [new(new EventHeader(DotnetStream.Kind, MonotonicClock.NowNs(), pid, pid), new DotnetStream(false, string.Empty, $"not observed: {problem}", 0))], announce: false);
        }
    }

    private void Deliver(int pid, RuntimeEvents events)
    {
        if (_paused)
        {
            Interlocked.Add(ref _droppedPaused, events.Count);
            return;
        }

        lock (_publishGate)
        {
            Announce(pid);
            PublishList(events.Gcs);
            PublishList(events.Allocations);
            PublishList(events.Jits);
            PublishList(events.Contentions);
            PublishList(events.ThreadPool);
            PublishList(events.Exceptions);
            PublishList(events.Counters);
            PublishList(events.Spans);
        }
    }

    private void Ended(RuntimeStream stream, string reason)
    {
        Interlocked.Increment(ref _ended);
        if (_streams.TryRemove(new KeyValuePair<int, RuntimeStream>(stream.Pid, stream)))
        {
            Interlocked.Add(ref _lostEnded, stream.EventsLost);
            Interlocked.Add(ref _malformedEnded, stream.Malformed);
        }

        Publish(stream.Pid, [new(new EventHeader(DotnetStream.Kind, MonotonicClock.NowNs(), stream.Pid, stream.Pid), new DotnetStream(false, string.Empty, reason, stream.EventsLost))]);
    }

    private void Publish(int pid, Event<DotnetStream>[] events, bool announce = true)
    {
        lock (_publishGate)
        {
            if (announce)
            {
                Announce(pid);
            }

            context.Sink.Publish(new EventBatch<DotnetStream>(events));
        }
    }

    /// <summary>Symbolisation learns of a process before its first stacks (it snapshots the mappings and switches the perf map on).</summary>
    private void Announce(int pid)
    {
        if (_announced.TryAdd(pid, 0))
        {
            var header = new EventHeader(ProcessLifecycle.SeenKind, MonotonicClock.NowNs(), pid, pid);
            context.Sink.Publish(new EventBatch<ProcessLifecycle>([new(header, new ProcessLifecycle(ProcessChange.Seen, DotnetTargets.Comm(procRoot, pid)))]));
        }
    }

    private void PublishList<T>(List<Event<T>> list)
        where T : struct
    {
        if (list.Count > 0)
        {
            context.Sink.Publish(new EventBatch<T>([.. list]));
            Interlocked.Add(ref _published, list.Count);
        }
    }
}
