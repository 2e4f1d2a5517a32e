using SystemScope.Core.Analyses.Scheduler;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Activity;
using SystemScope.Core.Events.Scheduler;
using SystemScope.Core.Sessions;

namespace SystemScope.Core.Tests;

/// <summary>Activity spans of any layer on the timeline's lanes, device tracks and in "where did the time go".</summary>
public sealed class ActivityLaneTests
{
    private const long Ms = 1_000_000;
    private static readonly EventKind SlowCall = EventKind.Register("test.slow", Layer.Syscall);
    private static readonly EventKind SlowRequest = EventKind.Register("test.request", Layer.BlockIo);

    [Fact]
    public void A_span_lands_on_its_thread_and_a_device_span_links_the_disk_track_and_the_thread_both_ways()
    {
        var timeline = new TimelineAnalysis(new TableSymbolizer(), ProcessFilter.All);
        timeline.OnEvents([
            Span(SlowCall, 10 * Ms, 30 * Ms, tid: 7, "syscall", "write", "fd 3 /var/lib/x", device: string.Empty, user: [0x20]),
            Span(SlowRequest, 12 * Ms, 20 * Ms, tid: 7, "blockio", "write", "sda, queue 3 ms + device 17 ms", device: "sda"),
            Span(SlowCall, 50 * Ms, 1 * Ms, tid: 7, "syscall", "fsync", "fd 3 /var/lib/x", device: string.Empty)]);
        timeline.OnTick(long.MaxValue);

        var summary = ModelJson.Query(timeline.Timeline);
        var tracks = summary.GetProperty("tracks").EnumerateArray().ToDictionary(t => t.GetProperty("id").GetString()!, t => t.GetProperty("kind").GetString());
        Assert.Equal("thread", tracks["t7"]);
        Assert.Equal("device", tracks["d:sda"]);

        var window = ModelJson.Query(timeline.Timeline, parameters: [("t0", "0"), ("t1", (100 * Ms).ToString()), ("px", "1000"), ("tracks", "t7,d:sda")]);
        var strings = window.Strings("strings");
        var thread = window.GetProperty("tracks")[0].GetProperty("spans").EnumerateArray().Select(s => s.EnumerateArray().Select(v => v.GetInt64()).ToArray()).ToArray();
        Assert.Equal(3, thread.Length);
        Assert.Equal([10 * Ms, 30 * Ms], thread[0][..2]);
        Assert.Equal("syscall", strings[(int)thread[0][2]]);
        Assert.Equal("write fd 3 /var/lib/x", strings[(int)thread[0][3]]);
        Assert.Equal([0L, 1, 0], thread.Select(s => s[4])); // the request nests in the write
        Assert.Equal("blockio", strings[(int)thread[1][2]]);

        var onThread = ModelJson.Query(timeline.Timeline, parameters: [("track", "t7"), ("at", (15 * Ms).ToString()), ("lane", "spans")]);
        Assert.Equal("span", onThread.GetProperty("kind").GetString());
        Assert.Equal("blockio", onThread.GetProperty("state").GetString());
        Assert.Equal("d:sda", onThread.GetProperty("related").GetProperty("track").GetString());

        var onDisk = ModelJson.Query(timeline.Timeline, parameters: [("track", "d:sda"), ("at", (15 * Ms).ToString()), ("lane", "spans")]);
        Assert.Equal("t7", onDisk.GetProperty("related").GetProperty("track").GetString());
        Assert.Contains("queue 3 ms", onDisk.GetProperty("label").GetString(), StringComparison.Ordinal);

        var outer = ModelJson.Query(timeline.Timeline, parameters: [("track", "t7"), ("at", (35 * Ms).ToString()), ("lane", "spans")]);
        Assert.Equal(["u20"], outer.GetProperty("stack").EnumerateArray().Select(f => f.GetProperty("name").GetString()));
    }

    [Fact]
    public void The_breakdown_says_what_a_blocked_thread_waited_in_with_the_request_inside_it()
    {
        var timeline = new TimelineAnalysis(new TableSymbolizer(), ProcessFilter.All);
        timeline.OnEvents([Switch(0, prevTid: 0, nextTid: 7)]);
        timeline.OnEvents([Switch(10 * Ms, prevTid: 7, SchedState.Blocked, nextTid: 0)]);
        timeline.OnEvents([
            Span(SlowCall, 10 * Ms, 30 * Ms, tid: 7, "syscall", "write", "fd 3 /var/lib/x", device: string.Empty),
            Span(SlowRequest, 12 * Ms, 20 * Ms, tid: 7, "blockio", "write", "sda, queue 3 ms + device 17 ms", device: "sda")]);
        timeline.OnEvents([Wakeup(40 * Ms, wakerTid: 0, wakeeTid: 7)]);
        timeline.OnEvents([Switch(40 * Ms, prevTid: 0, nextTid: 7)]);
        timeline.OnEvents([Switch(60 * Ms, prevTid: 7, SchedState.Sleeping, nextTid: 0)]);
        timeline.OnTick(long.MaxValue);

        var thread = Assert.Single(timeline.Breakdown.Compute(0, 60 * Ms, null, 7, 5, out _, out _));
        var reason = Assert.Single(thread.TopReasons);
        Assert.Equal("in write fd 3 /var/lib/x (write sda, queue 3 ms + device 17 ms)", reason.Reason);
        Assert.Equal("syscall", reason.Category);
        Assert.Equal(30 * Ms, reason.Value);
    }

    private static Event<ActivitySpan> Span(EventKind kind, long start, long duration, int tid, string category, string name, string detail, string device, ulong[]? user = null) =>
        new(new EventHeader(kind, start, tid, tid) { DurationNs = duration },
            new ActivitySpan(category, name, detail, device, user ?? [], ReadOnlyMemory<ulong>.Empty));

    private static Event<ThreadSwitch> Switch(long ts, int prevTid, SchedState state = SchedState.Runnable, int nextTid = 0) =>
        new(new EventHeader(ThreadSwitch.Kind, ts, prevTid, prevTid) { Cpu = 0 },
            new ThreadSwitch(0, prevTid, prevTid, state, nextTid, nextTid, "t" + prevTid, "t" + nextTid));

    private static Event<ThreadWakeup> Wakeup(long ts, int wakerTid, int wakeeTid) =>
        new(new EventHeader(ThreadWakeup.Kind, ts, wakerTid, wakerTid), new ThreadWakeup(wakeeTid, wakeeTid, 0, "waker"));
}
