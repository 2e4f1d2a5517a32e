using SystemScope.Core.Analyses;
using SystemScope.Core.Errors;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Process;
using SystemScope.Core.Sessions;
using SystemScope.Core.Sources;

namespace SystemScope.Core.Tests;

public sealed class SessionTests
{
    [Fact]
    public void Starting_attaches_sources_and_stopping_detaches_them()
    {
        var provider = new RecordingSourceProvider("cpu");
        using var manager = Manager(provider);

        var session = manager.Start(new SessionSpec());
        var source = Assert.Single(provider.Created);
        Assert.Equal(SessionState.Running, session.State);
        Assert.True(source.Started);

        manager.Stop(session.Id);
        Assert.True(source.Disposed);
        Assert.Equal(SessionState.Stopped, session.State);
        Assert.Empty(manager.Sessions);
    }

    [Fact]
    public void Sessions_run_side_by_side_with_their_own_sources()
    {
        var provider = new RecordingSourceProvider("cpu");
        using var manager = Manager(provider);

        var first = manager.Start(new SessionSpec());
        var second = manager.Start(new SessionSpec { FrequencyHz = 499 });

        Assert.NotEqual(first.Id, second.Id);
        Assert.Equal(2, provider.Created.Count);
        manager.Stop(first.Id);
        Assert.True(provider.Created[0].Disposed);
        Assert.False(provider.Created[1].Disposed);
        Assert.Same(second, manager.Get(second.Id));
    }

    [Fact]
    public void Pause_resume_and_retarget_reach_the_sources()
    {
        var provider = new RecordingSourceProvider("cpu");
        using var manager = Manager(provider);
        var session = manager.Start(new SessionSpec());
        var source = provider.Created[0];

        session.Pause();
        Assert.Equal(SessionState.Paused, session.State);
        Assert.True(source.Paused);
        session.Resume();
        Assert.Equal(SessionState.Running, session.State);
        Assert.False(source.Paused);

        manager.Retarget(session.Id, ProcessTarget.Process(42));
        Assert.Equal(ProcessTarget.Process(42), source.Target);
        Assert.Equal(42, session.Snapshot().Pid);
    }

    [Fact]
    public void Resuming_a_running_session_is_a_no_op_but_a_stopped_one_is_a_conflict()
    {
        var provider = new RecordingSourceProvider("cpu");
        using var manager = Manager(provider);
        var session = manager.Start(new SessionSpec());

        session.Resume();
        Assert.Equal(SessionState.Running, session.State);

        manager.Stop(session.Id);
        var error = Assert.Throws<ConflictException>(session.Resume);
        Assert.Contains("stopped", error.Message);
    }

    [Fact]
    public void A_source_that_fails_to_start_leaves_nothing_attached()
    {
        var good = new RecordingSourceProvider("good");
        var bad = new RecordingSourceProvider("bad") { FailOnStart = true };
        using var manager = Manager(good, bad);

        var error = Assert.Throws<UnavailableException>(() => manager.Start(new SessionSpec { Sources = ["good", "bad"] }));

        Assert.Contains("cannot attach", error.Message);
        Assert.All(good.Created.Concat(bad.Created), s => Assert.True(s.Disposed));
        Assert.Empty(manager.Sessions);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(10_001)]
    public void Invalid_frequencies_are_rejected_with_the_valid_range(int hz)
    {
        using var manager = Manager(new RecordingSourceProvider("cpu"));

        var error = Assert.Throws<InvalidRequestException>(() => manager.Start(new SessionSpec { FrequencyHz = hz }));

        Assert.Contains($"frequency {hz} Hz", error.Message);
        Assert.Contains("1 to 10000 Hz", error.Message);
    }

    [Fact]
    public void Unknown_sources_pids_and_sessions_get_specific_errors()
    {
        using var manager = Manager(new RecordingSourceProvider("cpu"));

        var source = Assert.Throws<InvalidRequestException>(() => manager.Start(new SessionSpec { Sources = ["gpu2"] }));
        Assert.Equal("unknown source 'gpu2': available sources are cpu", source.Message);

        var pid = Assert.Throws<NotFoundException>(() => manager.Start(new SessionSpec { Target = ProcessTarget.Process(999_999) }));
        Assert.Equal("process-not-found", pid.Code);

        var session = Assert.Throws<NotFoundException>(() => manager.Get("nope"));
        Assert.Equal("session-not-found", session.Code);
    }

    [Fact]
    public void The_target_exiting_is_noticed_and_the_session_keeps_running()
    {
        var provider = new RecordingSourceProvider("cpu");
        using var manager = Manager(provider);
        var session = manager.Start(new SessionSpec { Target = ProcessTarget.Process(42) });

        provider.Created[0].PublishLifecycle(pid: 7, ProcessChange.Exit);
        Assert.False(session.TargetExited);
        provider.Created[0].PublishLifecycle(pid: 42, ProcessChange.Exit);

        Assert.True(session.TargetExited);
        Assert.Equal(SessionState.Running, session.State);
    }

    [Fact]
    public void Participants_join_every_session_and_leave_when_it_stops()
    {
        var participant = new RecordingParticipant();
        using var manager = new SessionManager([new RecordingSourceProvider("cpu")], [], [participant], new ExistingPids(42), agentPid: 1);

        var session = manager.Start(new SessionSpec());
        Assert.Equal([session.Id], participant.Joined);
        manager.Stop(session.Id);
        Assert.Equal([session.Id], participant.Left);
    }

    [Fact]
    public void Probes_are_cached_and_failures_become_reasons()
    {
        var provider = new RecordingSourceProvider("cpu") { ProbeFailure = "no BTF" };
        using var manager = Manager(provider);

        var first = manager.Probe("cpu");
        var second = manager.Probe("cpu");

        Assert.False(first.Available);
        Assert.Equal("no BTF", first.Reason);
        Assert.Same(first, second);
        Assert.Equal(1, provider.Probes);
    }

    private static SessionManager Manager(params ISourceProvider[] providers) =>
        new(providers, [], [], new ExistingPids(42), agentPid: 1);

    private sealed class ExistingPids(params int[] pids) : IProcessProbe
    {
        public bool Exists(int pid) => pids.Contains(pid);
    }

    private sealed class RecordingParticipant : ISessionParticipant
    {
        public List<string> Joined { get; } = [];

        public List<string> Left { get; } = [];

        public void Join(Session session) => Joined.Add(session.Id);

        public void Leave(Session session) => Left.Add(session.Id);
    }

    /// <summary>A source with no kernel behind it: these tests are about the session state machine.</summary>
    private sealed class RecordingSourceProvider(string id) : ISourceProvider
    {
        public List<RecordingSource> Created { get; } = [];

        public bool FailOnStart { get; init; }

        public string? ProbeFailure { get; init; }

        public int Probes { get; private set; }

        public SourceDescriptor Descriptor { get; } = new(id, id, Layer.Cpu, "test source");

        public SourceAvailability Probe()
        {
            Probes++;
            return ProbeFailure is null ? SourceAvailability.Yes("test") : throw new UnavailableException("probe", ProbeFailure);
        }

        public ISource Create(SourceContext context)
        {
            var source = new RecordingSource(Descriptor, context, FailOnStart);
            Created.Add(source);
            return source;
        }
    }

    private sealed class RecordingSource(SourceDescriptor descriptor, SourceContext context, bool failOnStart) : ISource
    {
        public SourceDescriptor Descriptor => descriptor;

        public bool Started { get; private set; }

        public bool Paused { get; private set; }

        public bool Disposed { get; private set; }

        public ProcessTarget Target { get; private set; } = context.Spec.Target;

        public SourceStatistics Statistics => new(10, 1);

        public void Start()
        {
            if (failOnStart)
            {
                throw new UnavailableException("attach", $"source {descriptor.Id}: cannot attach");
            }

            Started = true;
        }

        public void Pause() => Paused = true;

        public void Resume() => Paused = false;

        public void Retarget(ProcessTarget target) => Target = target;

        public void Dispose() => Disposed = true;

        public void PublishLifecycle(int pid, ProcessChange change) =>
            context.Bus.Publish<ProcessLifecycle>([new(new EventHeader(ProcessLifecycle.KindOf(change), 1, pid, pid), new ProcessLifecycle(change, "p"))]);
    }
}
