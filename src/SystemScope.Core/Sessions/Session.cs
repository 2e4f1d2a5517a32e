using SystemScope.Core.Analyses;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Process;
using SystemScope.Core.Sources;

namespace SystemScope.Core.Sessions;

/// <summary>
/// One user's view of the system: the sources it has attached, the analyses fed by them, and its
/// state. Created and started by <see cref="SessionManager"/>; stopping it detaches every source.
/// </summary>
public sealed class Session : IDisposable, IEventSink<ProcessLifecycle>
{
    private readonly Lock _gate = new();
    private readonly List<ISource> _sources = [];
    private readonly List<IAnalysis> _analyses = [];
    private readonly List<ISessionParticipant> _participants = [];
    private readonly long _startedNs = MonotonicClock.NowNs();
    private volatile bool _targetExited;

    internal Session(string id, SessionSpec spec)
    {
        Id = id;
        Spec = spec;
        Bus.Subscribe(this);
    }

    public string Id { get; }

    /// <summary>The settings, with the current target (it changes on <see cref="Retarget"/>).</summary>
    public SessionSpec Spec { get; private set; }

    public SessionState State { get; private set; } = SessionState.Starting;

    public DateTimeOffset StartedAt { get; } = DateTimeOffset.UtcNow;

    public EventBus Bus { get; } = new();

    /// <summary>Whether the process this session targets has exited (the profile so far is kept).</summary>
    public bool TargetExited => _targetExited;

    public IReadOnlyList<ISource> Sources
    {
        get
        {
            lock (_gate)
            {
                return [.. _sources];
            }
        }
    }

    /// <summary>The analysis of the given type, if this session has one.</summary>
    public T? Analysis<T>()
        where T : class, IAnalysis
    {
        lock (_gate)
        {
            return _analyses.OfType<T>().FirstOrDefault();
        }
    }

    public void Pause() => Transition(SessionState.Running, SessionState.Paused, s => s.Pause());

    public void Resume() => Transition(SessionState.Paused, SessionState.Running, s => s.Resume());

    public void Reset()
    {
        lock (_gate)
        {
            ThrowIfStopped();
            _analyses.ForEach(a => a.Reset());
        }
    }

    /// <summary>Observes other processes from now on, without reloading any source.</summary>
    public void Retarget(ProcessTarget target)
    {
        lock (_gate)
        {
            ThrowIfStopped();
            _sources.ForEach(s => s.Retarget(target));
            _analyses.ForEach(a => a.Retarget(target));
            Spec = Spec with { Target = target };
            _targetExited = false;
        }
    }

    public SessionSnapshot Snapshot()
    {
        lock (_gate)
        {
            long collected = 0, lost = 0;
            foreach (var source in _sources)
            {
                var stats = source.Statistics;
                collected += stats.Events;
                lost += stats.Lost;
            }

            var profile = _analyses.OfType<CpuProfileAnalysis>().FirstOrDefault();
            return new SessionSnapshot(
                Id,
                State,
                Spec.Sources,
                Spec.Target.Pid,
                Spec.FrequencyHz,
                StartedAt,
                (MonotonicClock.NowNs() - _startedNs) / 1e9,
                profile?.TotalSamples ?? 0,
                collected,
                lost,
                TargetExited,
                profile?.Read(t => t.Version) ?? 0);
        }
    }

    /// <summary>Detaches every source. Idempotent.</summary>
    public void Dispose()
    {
        List<Exception>? failures = null;
        lock (_gate)
        {
            if (State == SessionState.Stopped)
            {
                return;
            }

            State = SessionState.Stopped;
            foreach (var source in _sources)
            {
                Try(source.Dispose, ref failures);
            }

            foreach (var participant in _participants)
            {
                Try(() => participant.Leave(this), ref failures);
            }
        }

        if (failures is not null)
        {
            throw new AggregateException($"session {Id}: stopping failed", failures);
        }
    }

    void IEventSink<ProcessLifecycle>.OnEvents(ReadOnlySpan<Event<ProcessLifecycle>> events)
    {
        var target = Spec.Target.Pid;
        foreach (ref readonly var e in events)
        {
            if (e.Payload.Change == ProcessChange.Exit && e.Header.Pid == target)
            {
                _targetExited = true;
            }
        }
    }

    internal void AddAnalysis(IAnalysis analysis)
    {
        lock (_gate)
        {
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

    /// <summary>Starts the source and takes ownership of it (it is disposed with the session).</summary>
    internal void StartSource(ISource source)
    {
        lock (_gate)
        {
            _sources.Add(source);
        }

        source.Start();
    }

    internal void MarkRunning()
    {
        lock (_gate)
        {
            if (State == SessionState.Starting)
            {
                State = SessionState.Running;
            }
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

    private void Transition(SessionState from, SessionState to, Action<ISource> apply)
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
                throw new Errors.ConflictException($"session {Id} is {State.ToString().ToLowerInvariant()}, not {from.ToString().ToLowerInvariant()}");
            }

            _sources.ForEach(apply);
            State = to;
        }
    }

    private void ThrowIfStopped()
    {
        if (State == SessionState.Stopped)
        {
            throw new Errors.ConflictException($"session {Id} is stopped");
        }
    }
}
