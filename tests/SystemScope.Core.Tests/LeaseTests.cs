using SystemScope.Core.Sessions;

namespace SystemScope.Core.Tests;

/// <summary>Nothing stays attached when nobody looks: viewed sessions expire, detached ones run to their end.</summary>
public sealed class LeaseTests
{
    [Fact]
    public void A_viewed_session_nobody_watches_stops_after_its_grace_period()
    {
        var provider = new FakeSourceProvider("cpu");
        using var manager = SessionTests.Manager(provider);
        var expired = new System.Collections.Concurrent.ConcurrentQueue<string>();
        manager.Expired += (s, reason) => expired.Enqueue(reason);

        var session = manager.Start(new SessionSpec { Lease = new SessionLease(LeaseKind.Viewed, TimeSpan.FromSeconds(1)) });

        // Expired is raised once the session is stopped and remembered.
        Wait.Until(() => !expired.IsEmpty, "the lease to expire", seconds: 6);
        Assert.Equal(SessionState.Stopped, session.State);
        Assert.True(provider.Created[0].Disposed);
        Assert.Empty(manager.Sessions);
        Assert.Contains("nobody viewed it for 1 s", manager.Snapshot(session.Id).EndReason);
        Assert.Single(expired);
    }

    [Fact]
    public void A_connected_viewer_keeps_it_alive_and_leaving_starts_the_grace_period()
    {
        using var manager = SessionTests.Manager(new FakeSourceProvider("cpu"));
        var session = manager.Start(new SessionSpec { Lease = new SessionLease(LeaseKind.Viewed, TimeSpan.FromSeconds(1)) });

        var viewer = session.AddViewer();
        Thread.Sleep(2500);
        Assert.Equal(SessionState.Running, session.State);
        Assert.Equal(1, session.Snapshot().Lease.Viewers);
        Assert.Null(session.Snapshot().Lease.EndsInSeconds);

        viewer.Dispose();
        Assert.NotNull(session.Snapshot().Lease.EndsInSeconds);
        Wait.Until(() => session.State == SessionState.Stopped, "the lease to expire after the viewer left", seconds: 6);
    }

    [Fact]
    public void A_detached_session_runs_without_viewers_until_its_duration()
    {
        using var manager = SessionTests.Manager(new FakeSourceProvider("cpu"));
        var forever = manager.Start(new SessionSpec { Lease = SessionLease.Detached() with { Grace = TimeSpan.FromSeconds(1) } });
        var timed = manager.Start(new SessionSpec { Lease = SessionLease.Detached(TimeSpan.FromSeconds(1.5)) });

        Wait.Until(() => timed.State == SessionState.Stopped, "the duration to end the session", seconds: 6);
        Assert.Contains("duration of 1.5 s", manager.Snapshot(timed.Id).EndReason);
        Assert.Equal(SessionState.Running, forever.State);
        Assert.Equal("detached", forever.Snapshot().Lease.Kind);
    }
}
