using System.Text.Json;
using SystemScope.Core.Errors;
using SystemScope.Core.Events.Process;
using SystemScope.Core.Options;
using SystemScope.Core.Sessions;
using SystemScope.Core.Sources;

namespace SystemScope.Core.Tests;

public sealed class SessionTests
{
    private static readonly IntegerOption Frequency = new("frequency", "samples per second", 1, 10_000, 99, "Hz");
    private static readonly ChoicesOption States = new("states", "states to include", ["S", "D", "other"], ["S", "D"]);

    [Fact]
    public void Starting_attaches_sources_and_stopping_detaches_them()
    {
        var provider = new FakeSourceProvider("cpu");
        using var manager = Manager(provider);

        var session = manager.Start(new SessionSpec());
        var source = Assert.Single(provider.Created);
        Assert.Equal(SessionState.Running, session.State);
        Assert.True(source.Started);

        manager.Stop(session.Id);
        Assert.True(source.Disposed);
        Assert.Equal(SessionState.Stopped, session.State);
        Assert.Empty(manager.Sessions);
        Assert.Equal(SessionState.Stopped, manager.Snapshot(session.Id).State);
        Assert.Equal("stopped", manager.Snapshot(session.Id).EndReason);
    }

    [Fact]
    public void Sessions_run_side_by_side_with_their_own_sources_and_options()
    {
        var provider = new FakeSourceProvider("cpu", Frequency);
        using var manager = Manager(provider);

        var first = manager.Start(new SessionSpec());
        var second = manager.Start(new SessionSpec { Sources = [new SourceRequest("cpu", Json("""{"frequency": 499}"""))] });

        Assert.NotEqual(first.Id, second.Id);
        Assert.Equal(99, provider.Created[0].Context.Options.Get(Frequency));
        Assert.Equal(499, provider.Created[1].Context.Options.Get(Frequency));
        Assert.Equal(499, second.Snapshot().Sources.Single(s => s.Id == "cpu").Options.GetProperty("frequency").GetInt64());
        manager.Stop(first.Id);
        Assert.True(provider.Created[0].Disposed);
        Assert.False(provider.Created[1].Disposed);
        Assert.Same(second, manager.Get(second.Id));
    }

    [Fact]
    public void Options_are_checked_against_the_declarations_with_the_valid_ones_named()
    {
        using var manager = Manager(new FakeSourceProvider("offcpu", Frequency, States)
        {
            CrossCheck = v => { if (v.Get(States).Count == 3 && v.Get(Frequency) > 5000) throw new InvalidRequestException("source offcpu: too much at once"); },
        });

        var unknown = Assert.Throws<InvalidRequestException>(() => Start(manager, "offcpu", """{"frequncy": 10}"""));
        Assert.Equal("source offcpu: has no option 'frequncy' — did you mean 'frequency'? Valid options: frequency, states", unknown.Message);

        var range = Assert.Throws<InvalidRequestException>(() => Start(manager, "offcpu", """{"frequency": 0}"""));
        Assert.Equal("source offcpu: option frequency: 0 is not valid: give a whole number from 1 to 10000 Hz (default 99)", range.Message);

        var fraction = Assert.Throws<InvalidRequestException>(() => Start(manager, "offcpu", """{"frequency": 99.5}"""));
        Assert.Contains("99.5 is not valid: give a whole number", fraction.Message);

        var choice = Assert.Throws<InvalidRequestException>(() => Start(manager, "offcpu", """{"states": ["S", "Z"]}"""));
        Assert.Contains("'Z' is not valid: give one or more of S, D, other", choice.Message);

        var cross = Assert.Throws<InvalidRequestException>(() => Start(manager, "offcpu", """{"states": ["S", "D", "other"], "frequency": 9999}"""));
        Assert.Equal("source offcpu: too much at once", cross.Message);

        var text = Assert.Throws<InvalidRequestException>(() => manager.Start(new SessionSpec { Sources = [SourceRequest.Named("offcpu") with { TextOptions = new Dictionary<string, string> { ["frequency"] = "abc" } }] }));
        Assert.Equal("source offcpu: option frequency: 'abc' is not valid: give a whole number from 1 to 10000 Hz (default 99)", text.Message);
        Assert.Empty(manager.Sessions);
    }

    [Fact]
    public void Implicit_sources_join_every_session_first_and_leave_it_last()
    {
        var lifecycle = new FakeSourceProvider("process") { Implicit = true };
        var cpu = new FakeSourceProvider("cpu");
        using var manager = Manager(cpu, lifecycle);

        var session = manager.Start(new SessionSpec());

        Assert.Equal(["process", "cpu"], session.Sources.Select(s => s.Descriptor.Id));
        Assert.True(session.Snapshot().Sources[0].Implicit);
        Assert.Equal(["cpu", "process"], manager.SourceDescriptors.Select(d => d.Id));
        var unknown = Assert.Throws<InvalidRequestException>(() => manager.Start(new SessionSpec { Sources = [SourceRequest.Named("cpuu")] }));
        Assert.Equal("unknown source 'cpuu' — did you mean 'cpu'? Sources: cpu", unknown.Message);
    }

    [Fact]
    public void Pause_resume_and_filter_changes_reach_sources_and_analyses_on_the_loop_thread()
    {
        var provider = new FakeSourceProvider("cpu");
        var analyses = new RecordingAnalysisProvider();
        using var manager = new SessionManager([provider], [analyses], [], new ExistingPids(42, 43), agentPid: 1);
        var session = manager.Start(new SessionSpec());
        var source = provider.Created[0];
        var analysis = analyses.Created[0];

        session.Pause();
        Assert.Equal(SessionState.Paused, session.State);
        Assert.True(source.Paused);
        session.Resume();
        Assert.Equal(SessionState.Running, session.State);
        Assert.False(source.Paused);

        manager.SetFilter(session.Id, ProcessFilter.ForPids(42, 43));
        Assert.Equal([42, 43], source.Filter.Pids);
        Assert.Equal([42, 43], Assert.Single(analysis.Filters).Pids);
        Assert.Equal([42, 43], session.Snapshot().Filter.Pids);
        session.Reset();
        Assert.Equal(1, analysis.Resets);
        Assert.DoesNotContain(Environment.CurrentManagedThreadId, analysis.Threads);

        Assert.Throws<NotFoundException>(() => manager.SetFilter(session.Id, ProcessFilter.ForPid(7)));
        Assert.Throws<InvalidRequestException>(() => manager.SetFilter(session.Id, ProcessFilter.ForPid(-1)));
        Assert.Equal([42, 43], source.Filter.Pids);
    }

    [Fact]
    public void Filters_resolve_cgroups_and_name_prefixes_and_reject_what_cannot_be()
    {
        var provider = new FakeSourceProvider("cpu");
        using var manager = Manager(provider);

        var session = manager.Start(new SessionSpec { Filter = new ProcessFilter { Cgroup = "/test.slice", Comm = "ngi" } });
        Assert.Equal(new CgroupRef(77, 1), provider.Created[0].Filter.CgroupRef);
        Assert.Equal("cgroup /test.slice, names starting with 'ngi'", session.Snapshot().Filter.Description);

        Assert.Equal("cgroup-not-found", Assert.Throws<NotFoundException>(() => manager.Start(new SessionSpec { Filter = new ProcessFilter { Cgroup = "/nope" } })).Code);
        Assert.Contains("1 to 15 bytes", Assert.Throws<InvalidRequestException>(() => manager.Start(new SessionSpec { Filter = new ProcessFilter { Comm = "a-very-long-process-name" } })).Message);
        Assert.Contains("starting with '/'", Assert.Throws<InvalidRequestException>(() => manager.Start(new SessionSpec { Filter = new ProcessFilter { Cgroup = "system.slice" } })).Message);
        Assert.Equal("process-not-found", Assert.Throws<NotFoundException>(() => manager.Start(new SessionSpec { Filter = ProcessFilter.ForPid(999_999) })).Code);
    }

    [Fact]
    public void Resuming_a_running_session_is_a_no_op_but_a_stopped_one_is_a_conflict()
    {
        using var manager = Manager(new FakeSourceProvider("cpu"));
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
        var good = new FakeSourceProvider("good");
        var bad = new FakeSourceProvider("bad") { FailOnStart = true };
        using var manager = Manager(good, bad);

        var error = Assert.Throws<UnavailableException>(() => manager.Start(new SessionSpec { Sources = [SourceRequest.Named("good"), SourceRequest.Named("bad")] }));

        Assert.Contains("cannot attach", error.Message);
        Assert.All(good.Created.Concat(bad.Created), s => Assert.True(s.Disposed));
        Assert.Empty(manager.Sessions);
    }

    [Fact]
    public void Settings_out_of_range_are_rejected_with_the_valid_range()
    {
        using var manager = Manager(new FakeSourceProvider("cpu"));

        Assert.Contains("use 0.1 to 60 s", Assert.Throws<InvalidRequestException>(() => manager.Start(new SessionSpec { Window = TimeSpan.FromSeconds(61) })).Message);
        Assert.Contains("use 4 to 4096 MiB", Assert.Throws<InvalidRequestException>(() => manager.Start(new SessionSpec { MemoryBudgetBytes = 1 << 20 })).Message);
        Assert.Contains("named twice", Assert.Throws<InvalidRequestException>(() => manager.Start(new SessionSpec { Sources = [SourceRequest.Named("cpu"), SourceRequest.Named("cpu")] })).Message);
        Assert.Contains("grace period", Assert.Throws<InvalidRequestException>(() => manager.Start(new SessionSpec { Lease = new SessionLease(LeaseKind.Viewed, TimeSpan.Zero) })).Message);
        Assert.Equal("session-not-found", Assert.Throws<NotFoundException>(() => manager.Get("nope")).Code);
    }

    [Fact]
    public void The_targets_exiting_is_noticed_and_the_session_keeps_running()
    {
        var provider = new FakeSourceProvider("cpu");
        using var manager = Manager(provider);
        var session = manager.Start(new SessionSpec { Filter = ProcessFilter.ForPids(42, 43) });

        provider.Created[0].PublishLifecycle(pid: 7, ProcessChange.Exit);
        provider.Created[0].PublishLifecycle(pid: 42, ProcessChange.Exit);
        Assert.False(session.TargetExited);
        provider.Created[0].PublishLifecycle(pid: 43, ProcessChange.Exit);

        Assert.True(session.TargetExited);
        Assert.Equal(SessionState.Running, session.State);
    }

    [Fact]
    public void Participants_join_every_session_and_leave_when_it_stops()
    {
        var participant = new RecordingParticipant();
        using var manager = new SessionManager([new FakeSourceProvider("cpu")], [], [participant], new ExistingPids(42), agentPid: 1);

        var session = manager.Start(new SessionSpec());
        Assert.Equal([session.Id], participant.Joined);
        manager.Stop(session.Id);
        Assert.Equal([session.Id], participant.Left);
    }

    [Fact]
    public void Probes_are_cached_and_failures_become_reasons()
    {
        var provider = new FakeSourceProvider("cpu") { ProbeFailure = "no BTF" };
        using var manager = Manager(provider);

        var first = manager.Probe("cpu");
        var second = manager.Probe("cpu");

        Assert.False(first.Available);
        Assert.Equal("no BTF", first.Reason);
        Assert.Same(first, second);
        Assert.Equal(1, provider.Probes);
    }

    [Fact]
    public void Snapshots_carry_each_sources_counters_and_the_queues()
    {
        using var manager = Manager(new FakeSourceProvider("cpu"));
        var session = manager.Start(new SessionSpec());

        var cpu = session.Snapshot().Sources.Single(s => s.Id == "cpu");

        Assert.Contains(cpu.Counters, c => c is { Name: "values", Value: 10, Kind: CounterKind.Events });
        Assert.Contains(cpu.Counters, c => c is { Name: "lost.values", Value: 1, Kind: CounterKind.Lost });
        Assert.Contains(cpu.Counters, c => c is { Name: "queue.dropped", Value: 0, Kind: CounterKind.Lost });
        Assert.Equal(["test"], cpu.Mechanisms);
    }

    [Fact]
    public void Paused_time_does_not_count_as_elapsed()
    {
        using var manager = Manager(new FakeSourceProvider("cpu"));
        var session = manager.Start(new SessionSpec());

        session.Pause();
        var paused = session.Snapshot().ElapsedSeconds;
        Thread.Sleep(300);
        Assert.Equal(paused, session.Snapshot().ElapsedSeconds);
        session.Resume();
        Thread.Sleep(100);
        Assert.True(session.Snapshot().ElapsedSeconds > paused, "running again, time counts again");
    }

    internal static SessionManager Manager(params ISourceProvider[] providers) =>
        new(providers, [], [], new ExistingPids(42, 43), agentPid: 1);

    private static Session Start(SessionManager manager, string source, string options) =>
        manager.Start(new SessionSpec { Sources = [new SourceRequest(source, Json(options))] });

    private static JsonElement Json(string text)
    {
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }
}
