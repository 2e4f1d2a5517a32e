using System.Text.Json;
using SystemScope.Core.Analyses;
using SystemScope.Core.Errors;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Process;
using SystemScope.Core.Models;
using SystemScope.Core.Options;
using SystemScope.Core.Sources;

namespace SystemScope.Core.Sessions;

/// <summary>
/// One view of the system: the sources it has attached (each with its options), the analyses fed
/// by them through the session's loop, the models they publish, its filter, its state and its lease.
/// Created and started by <see cref="SessionManager"/>; stopping it detaches every source.
/// </summary>
public sealed class Session : IDisposable, IEventSink<ProcessLifecycle>
{
    private readonly Lock _gate = new();
    private readonly List<SessionSource> _sources = [];
    private readonly List<IAnalysis> _analyses = [];
    private readonly List<IModel> _models = [];
    private readonly List<ISessionParticipant> _participants = [];
    private readonly HashSet<int> _exitedTargets = [];
    private readonly SessionLoop _loop;
    private readonly int _agentPid;
    private long _lastSeenMs = Environment.TickCount64;
    private int _viewers;
    private long _pausedSinceNs;
    private long _pausedTotalNs;
    private long _stoppedAtNs;
    private volatile bool _targetExited;

    internal Session(string id, SessionSpec spec, int agentPid)
    {
        Id = id;
        Spec = spec;
        _agentPid = agentPid;
        OriginNs = MonotonicClock.NowNs();
        Filter = new LiveFilter(spec.Filter);
        DirectBus.Subscribe(this);
        var maxHold = TimeSpan.FromTicks(Math.Max(spec.Window.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
        _loop = new SessionLoop(Bus, DirectBus, maxBatches: 4096, maxEvents: 2_000_000, tick: TimeSpan.FromMilliseconds(250), maxHold, OnTick, $"systemscope session {id}");
    }

    public string Id { get; }

    /// <summary>The settings as started (the current filter is <see cref="Filter"/>).</summary>
    public SessionSpec Spec { get; }

    public SessionState State { get; private set; } = SessionState.Starting;

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    /// <summary>The session's start on CLOCK_MONOTONIC; models give times relative to it.</summary>
    public long OriginNs { get; }

    public LiveFilter Filter { get; }

    /// <summary>Objects the session's sources share (kernel filter maps, lifecycle ring buffer).</summary>
    public SessionResources Resources { get; } = new();

    /// <summary>The loop's bus: analyses subscribe here and are called on the session's thread.</summary>
    public EventBus Bus { get; } = new();

    /// <summary>Called on the publishing source's thread as soon as a batch arrives: for cheap, non-blocking subscribers.</summary>
    public EventBus DirectBus { get; } = new();

    /// <summary>Why the session stopped (null while it runs): stopped by a user, lease expired, duration reached.</summary>
    public string? EndReason { get; private set; }

    /// <summary>Every process the filter names by pid has exited (what was recorded is kept).</summary>
    public bool TargetExited => _targetExited;

    public IReadOnlyList<IModel> Models
    {
        get
        {
            lock (_gate)
            {
                return [.. _models];
            }
        }
    }

    public IReadOnlyList<SessionSource> Sources
    {
        get
        {
            lock (_gate)
            {
                return [.. _sources];
            }
        }
    }

    /// <summary>The model with this id; a 404-style error naming the session's models when there is none.</summary>
    public IModel Model(string modelId)
    {
        lock (_gate)
        {
            return _models.FirstOrDefault(m => m.Descriptor.Id == modelId)
                ?? throw new NotFoundException(
                    "model-not-found",
                    $"session {Id} has no model '{modelId}'{(Options.Suggest.Closest(modelId, _models.Select(m => m.Descriptor.Id)) is { } close ? $" — did you mean '{close}'?" : string.Empty)} Its models: {(_models.Count == 0 ? "none" : string.Join(", ", _models.Select(m => m.Descriptor.Id)))}");
        }
    }

    public void Pause() => Transition(SessionState.Running, SessionState.Paused, s => s.Live.Pause());

    public void Resume() => Transition(SessionState.Paused, SessionState.Running, s => s.Live.Resume());

    /// <summary>Empties every model (on the loop thread, so no batch is half-applied); returns when done.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            ThrowIfStopped();
        }

        Wait(_loop.Post(() => _analyses.ForEach(a => a.Reset())));
    }

    /// <summary>Observes other processes from now on: the kernel filter changes at once, the models start afresh.</summary>
    public void SetFilter(ProcessFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        lock (_gate)
        {
            ThrowIfStopped();
            _exitedTargets.Clear();
            _targetExited = false;
            Filter.Set(filter);
        }

        Wait(_loop.Post(() => _analyses.ForEach(a => a.OnFilterChanged(filter))));
    }

    /// <summary>Someone looked at the session (a request about it): renews a viewed lease.</summary>
    public void Touch() => Interlocked.Exchange(ref _lastSeenMs, Environment.TickCount64);

    /// <summary>A live viewer (a stream) is connected until the returned handle is disposed.</summary>
    public IDisposable AddViewer()
    {
        Interlocked.Increment(ref _viewers);
        Touch();
        return new Viewer(this);
    }

    /// <summary>Why the session should end now (its lease), or null.</summary>
    public string? ExpiryReason()
    {
        if (State == SessionState.Stopped)
        {
            return null;
        }

        var lease = Spec.Lease;
        if (lease.Duration is { } duration && MonotonicClock.NowNs() - OriginNs >= (long)duration.TotalNanoseconds)
        {
            return $"its duration of {duration.TotalSeconds:0.###} s was reached";
        }

        if (lease.Kind == LeaseKind.Viewed && Volatile.Read(ref _viewers) == 0 &&
            Environment.TickCount64 - Interlocked.Read(ref _lastSeenMs) >= (long)lease.Grace.TotalMilliseconds)
        {
            return $"nobody viewed it for {lease.Grace.TotalSeconds:0} s (start it detached to keep it running)";
        }

        return null;
    }

    public SessionSnapshot Snapshot()
    {
        lock (_gate)
        {
            var filter = Filter.Current;
            return new SessionSnapshot(
                Id,
                State,
                StartedAt,
                Math.Round(ActiveNs() / 1e9, 3),
                Spec.Window.TotalSeconds,
                new FilterSnapshot(filter.Pids, filter.Cgroup, filter.Comm, filter.ToString()),
                TargetExited,
                [.. _sources.Select(SnapshotOf)],
                [.. _models.Select(m => new ModelSnapshot(m.Descriptor.Id, m.Descriptor.Type, m.Descriptor.Title, m.Descriptor.Unit, m.Descriptor.Sources, m.Version))],
                LeaseOf(),
                new MemorySnapshot(Spec.MemoryBudgetBytes, _models.OfType<IRetainingModel>().Sum(m => m.RetainedBytes), _models.OfType<IRetainingModel>().Sum(m => m.Dropped)),
                new LoopSnapshot(_loop.LateBatches, _loop.AnalysisErrors, _loop.LastAnalysisError?.Message),
                EndReason);
        }
    }

    /// <summary>Detaches every source (each publishes what it still holds), delivers the rest, releases everything. Idempotent.</summary>
    public void Dispose() => Stop("stopped");

    internal void Stop(string reason)
    {
        List<Exception>? failures = null;
        lock (_gate)
        {
            if (State == SessionState.Stopped)
            {
                return;
            }

            if (State == SessionState.Paused)
            {
                _pausedTotalNs += MonotonicClock.NowNs() - _pausedSinceNs;
            }

            State = SessionState.Stopped;
            EndReason = reason;
            _stoppedAtNs = MonotonicClock.NowNs();
        }

        // Data sources first (they may still announce processes through the lifecycle source), the implicit ones last.
        foreach (var source in Sources.OrderBy(s => s.Descriptor.Implicit))
        {
            Try(source.Live.Dispose, ref failures);
            source.LoopSink.Complete();
        }

        Try(_loop.Dispose, ref failures);
        Try(Resources.Dispose, ref failures);
        foreach (var participant in _participants)
        {
            Try(() => participant.Leave(this), ref failures);
        }

        if (failures is not null)
        {
            throw new AggregateException($"session {Id}: stopping failed", failures);
        }
    }

    void IEventSink<ProcessLifecycle>.OnEvents(ReadOnlySpan<Event<ProcessLifecycle>> events)
    {
        var pids = Filter.Current.Pids;
        if (pids.Count == 0)
        {
            return;
        }

        foreach (ref readonly var e in events)
        {
            if (e.Payload.Change == ProcessChange.Exit && pids.Contains(e.Header.Pid))
            {
                lock (_gate)
                {
                    _exitedTargets.Add(e.Header.Pid);
                    _targetExited = pids.All(_exitedTargets.Contains);
                }
            }
        }
    }

    internal void AddAnalysis(IAnalysis analysis)
    {
        lock (_gate)
        {
            foreach (var model in analysis.Models)
            {
                if (_models.Any(m => m.Descriptor.Id == model.Descriptor.Id))
                {
                    throw new InvalidOperationException($"two analyses publish a model with id {model.Descriptor.Id}");
                }

                _models.Add(model);
            }

            _analyses.Add(analysis);
        }
    }

    internal void AddParticipant(ISessionParticipant participant)
    {
        participant.Join(this);
        lock (_gate)
        {
            _participants.Add(participant);
        }
    }

    /// <summary>Creates and starts one source; the session owns it from then on (it is disposed with the session).</summary>
    internal void StartSource(ISourceProvider provider, OptionValues options)
    {
        var sink = _loop.SinkFor(provider.Descriptor.Id, OriginNs);
        var context = new SourceContext(provider.Descriptor.Id, options, Spec, Filter, sink, Resources, _agentPid);
        var live = provider.Create(context);
        lock (_gate)
        {
            _sources.Add(new SessionSource(provider.Descriptor, options, live, sink));
        }

        live.Start();
    }

    internal void MarkRunning()
    {
        // The grace period counts from when the creator gets its answer: loading the sources can take
        // longer than the grace (the verifier on a busy machine), and must not expire the session unseen.
        Touch();
        _loop.Start();
        lock (_gate)
        {
            if (State == SessionState.Starting)
            {
                State = SessionState.Running;
            }
        }
    }

    private static void Wait(Task task)
    {
        try
        {
            task.GetAwaiter().GetResult();
        }
        catch (AggregateException ex) when (ex.InnerExceptions.Count == 1)
        {
            throw ex.InnerExceptions[0];
        }
    }

    private static void Try(Action action, ref List<Exception>? failures)
    {
        try
        {
            action();
        }
        catch (Exception ex)
        {
            (failures ??= []).Add(ex);
        }
    }

    private static SourceSnapshot SnapshotOf(SessionSource source)
    {
        var counters = new List<SourceCounter>();
        try
        {
            counters.AddRange(source.Live.Counters);
        }
        catch (Exception ex) when (ex is ObjectDisposedException or InvalidOperationException)
        {
            // Stopped: its kernel counters are gone; the queue's remain.
        }

        counters.Add(new SourceCounter("queue.events", source.LoopSink.Events, CounterKind.Events, "events handed to the session's analyses"));
        counters.Add(new SourceCounter("queue.dropped", source.LoopSink.DroppedEvents, CounterKind.Lost, "events dropped because the session's analysis queue was full"));
        IReadOnlyList<string> mechanisms;
        try
        {
            mechanisms = source.Live.Mechanisms;
        }
        catch (ObjectDisposedException)
        {
            mechanisms = [];
        }

        return new SourceSnapshot(
            source.Descriptor.Id,
            source.Descriptor.Title,
            source.Descriptor.Layer.ToString().ToLowerInvariant(),
            source.Descriptor.Implicit,
            OptionsJson(source.Options),
            mechanisms,
            counters);
    }

    private static JsonElement OptionsJson(OptionValues options)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            options.WriteJson(json);
        }

        using var document = JsonDocument.Parse(buffer.ToArray());
        return document.RootElement.Clone();
    }

    private LeaseSnapshot LeaseOf()
    {
        var lease = Spec.Lease;
        double? endsIn = null;
        if (State != SessionState.Stopped)
        {
            if (lease.Duration is { } duration)
            {
                endsIn = Math.Max(0, (duration.TotalNanoseconds - (MonotonicClock.NowNs() - OriginNs)) / 1e9);
            }

            if (lease.Kind == LeaseKind.Viewed && Volatile.Read(ref _viewers) == 0)
            {
                var idle = Math.Max(0, lease.Grace.TotalMilliseconds - (Environment.TickCount64 - Interlocked.Read(ref _lastSeenMs))) / 1000;
                endsIn = endsIn is { } e ? Math.Min(e, idle) : idle;
            }
        }

        return new LeaseSnapshot(
            lease.Kind.ToString().ToLowerInvariant(),
            lease.Grace.TotalSeconds,
            lease.Duration?.TotalSeconds,
            Volatile.Read(ref _viewers),
            endsIn is { } value ? Math.Round(value, 1) : null);
    }

    /// <summary>Time spent running (paused time left out), up to now or the stop.</summary>
    private long ActiveNs()
    {
        var end = State == SessionState.Stopped ? _stoppedAtNs : MonotonicClock.NowNs();
        var paused = _pausedTotalNs + (State == SessionState.Paused ? end - _pausedSinceNs : 0);
        return Math.Max(0, end - OriginNs - paused);
    }

    private void OnTick(long watermarkNs)
    {
        foreach (var analysis in _analyses)
        {
            analysis.OnTick(watermarkNs);
        }

        EnforceBudget();
    }

    /// <summary>Shares the session's memory budget evenly between the models that keep history; each drops its oldest first.</summary>
    private void EnforceBudget()
    {
        var retaining = _models.OfType<IRetainingModel>().ToList();
        if (retaining.Count == 0 || retaining.Sum(m => m.RetainedBytes) <= Spec.MemoryBudgetBytes)
        {
            return;
        }

        var share = Spec.MemoryBudgetBytes / retaining.Count;
        foreach (var model in retaining)
        {
            if (model.RetainedBytes > share)
            {
                model.TrimTo(share);
            }
        }
    }

    private void Transition(SessionState from, SessionState to, Action<SessionSource> apply)
    {
        lock (_gate)
        {
            ThrowIfStopped();
            if (State == to)
            {
                return;
            }

            if (State != from)
            {
                throw new ConflictException($"session {Id} is {State.ToString().ToLowerInvariant()}, not {from.ToString().ToLowerInvariant()}");
            }

            _sources.ForEach(apply);
            var now = MonotonicClock.NowNs();
            if (to == SessionState.Paused)
            {
                _pausedSinceNs = now;
            }
            else
            {
                _pausedTotalNs += now - _pausedSinceNs;
            }

            State = to;
        }
    }

    private void ThrowIfStopped()
    {
        if (State == SessionState.Stopped)
        {
            throw new ConflictException($"session {Id} is stopped");
        }
    }

    private sealed class Viewer(Session session) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                session.Touch();
                Interlocked.Decrement(ref session._viewers);
            }
        }
    }
}

/// <summary>A source as part of a session: what it is, its options, the live source and its way into the session's loop.</summary>
public sealed record SessionSource(SourceDescriptor Descriptor, OptionValues Options, ISource Live, ISourceSink Sink)
{
    internal SessionLoop.Sink LoopSink => (SessionLoop.Sink)Sink;
}
