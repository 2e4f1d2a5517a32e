using SystemScope.Core.Events;
using SystemScope.Core.Sessions;
using SystemScope.Core.Sources;

namespace SystemScope.Core.Tests;

/// <summary>The analysis loop: order across sources by watermark, bounded waiting, bounded queue, isolation.</summary>
public sealed class SessionLoopTests
{
    [Fact]
    public void Batches_reach_analyses_in_timestamp_order_once_every_source_has_passed_them()
    {
        var (manager, a, b, analysis) = Start();
        using var _ = manager;
        var t = MonotonicClock.NowNs();

        a.Publish(t + 300, t + 400, 3);
        b.Publish(t + 100, t + 200, 1);
        a.Advance(t + 500);
        Thread.Sleep(400);
        Assert.Empty(analysis.Values); // b has not promised anything past 200 yet

        b.Publish(t + 250, t + 260, 2);
        b.Advance(t + 500);
        Wait.Until(() => analysis.Values.Count == 3, "all three batches");

        Assert.Equal([1, 2, 3], analysis.Values);
        Assert.Equal(0, manager.Sessions.Single().Snapshot().Loop.LateBatches);
    }

    [Fact]
    public void A_silent_source_holds_the_others_back_only_for_a_while()
    {
        var (manager, a, _, analysis) = Start();
        using var __ = manager;
        var t = MonotonicClock.NowNs();

        a.Publish(t + 100, t + 200, 1);
        a.Advance(t + 300);

        Wait.Until(() => analysis.Values.Count == 1, "the held batch to be released", seconds: 5);
        Assert.Equal(1, manager.Sessions.Single().Snapshot().Loop.LateBatches);
    }

    [Fact]
    public void Stopping_delivers_everything_still_queued()
    {
        var (manager, a, b, analysis) = Start();
        var t = MonotonicClock.NowNs();
        a.Publish(t + 100, t + 200, 1);
        b.Publish(t + 50, t + 60, 0);

        manager.Dispose();

        Assert.Equal([0, 1], analysis.Values);
    }

    [Fact]
    public void A_full_queue_drops_whole_batches_and_counts_them_against_their_source()
    {
        var (manager, a, _, analysis) = Start();
        using var __ = manager;
        var t = MonotonicClock.NowNs();

        for (var i = 0; i < 5000; i++)
        {
            a.Publish(t + i, t + i + 1, i);
        }

        var counters = manager.Sessions.Single().Snapshot().Sources.Single(s => s.Id == "a").Counters;
        var dropped = counters.Single(c => c.Name == "queue.dropped");
        Assert.Equal(CounterKind.Lost, dropped.Kind);
        Assert.Equal(5000 - 4096, dropped.Value);
        Assert.Equal(5000, counters.Single(c => c.Name == "queue.events").Value);
    }

    [Fact]
    public void A_failing_analysis_is_counted_and_the_loop_goes_on()
    {
        var (manager, a, b, analysis) = Start();
        using var _ = manager;
        var t = MonotonicClock.NowNs();
        analysis.Fail = true;
        a.Publish(t + 1, t + 2, 1);
        a.Advance(t + 10);
        b.Advance(t + 10);
        Wait.Until(() => manager.Sessions.Single().Snapshot().Loop.AnalysisErrors == 1, "the failure to be counted");

        analysis.Fail = false;
        a.Publish(t + 20, t + 30, 2);
        a.Advance(t + 40);
        b.Advance(t + 40);
        Wait.Until(() => analysis.Values.Contains(2), "the next batch");
        Assert.Equal("analysis failed on purpose", manager.Sessions.Single().Snapshot().Loop.LastError);
    }

    private static (SessionManager, FakeSource, FakeSource, RecordingAnalysis) Start()
    {
        var a = new FakeSourceProvider("a");
        var b = new FakeSourceProvider("b");
        var analyses = new RecordingAnalysisProvider();
        var manager = new SessionManager([a, b], [analyses], [], new ExistingPids(), agentPid: 1);
        manager.Start(new SessionSpec { Sources = [SourceRequest.Named("a"), SourceRequest.Named("b")] });
        return (manager, a.Created[0], b.Created[0], analyses.Created[0]);
    }
}
