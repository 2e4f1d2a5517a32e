using System.Text;
using SystemScope.Core.Analyses.Scheduler;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Cpu;
using SystemScope.Core.Events.Process;
using SystemScope.Core.Events.Scheduler;
using SystemScope.Core.Export;
using SystemScope.Core.Models.Timeline;
using SystemScope.Core.Sessions;

namespace SystemScope.Core.Tests;

/// <summary>The scheduler layer's analyses on events with known truth (the kernel side is tested with real BPF elsewhere).</summary>
public sealed class SchedulerAnalysisTests
{
    private const long Ms = 1_000_000;

    [Fact]
    public void Switches_and_wakeups_become_running_sleeping_and_runnable_slices_with_a_link_to_the_waker()
    {
        var timeline = new TimelineAnalysis(new TableSymbolizer(), ProcessFilter.All);
        timeline.OnEvents([Switch(0, cpu: 0, prevTid: 0, nextTid: 10), Switch(0, cpu: 1, prevTid: 0, nextTid: 20)]);
        timeline.OnEvents([Switch(20 * Ms, cpu: 0, prevTid: 10, SchedState.Sleeping, nextTid: 0)]);
        timeline.OnEvents([Wakeup(100 * Ms, wakerTid: 20, wakeeTid: 10)]);
        timeline.OnEvents([Switch(101 * Ms, cpu: 0, prevTid: 0, nextTid: 10), Switch(150 * Ms, cpu: 0, prevTid: 10, SchedState.Blocked, nextTid: 0)]);
        timeline.OnTick(long.MaxValue);

        var window = ModelJson.Query(timeline.Timeline, parameters: [("t0", "0"), ("t1", (200 * Ms).ToString()), ("px", "20000"), ("tracks", "t10")]);
        var strings = window.Strings("strings");
        var slices = window.GetProperty("tracks")[0].GetProperty("slices");
        var states = slices.GetProperty("states").EnumerateArray().Select(s => strings[s.GetInt32()]).ToArray();
        Assert.Equal(["running", "sleeping", "runnable", "running"], states);
        Assert.Equal([0, 20 * Ms, 100 * Ms, 101 * Ms], slices.Longs("starts"));
        Assert.Equal([20 * Ms, 80 * Ms, 1 * Ms, 49 * Ms], slices.Longs("durations"));
        Assert.Equal([0L, -1, -1, 0], slices.Longs("cpus"));
        var link = slices.GetProperty("links")[1];
        Assert.Equal("t20", link.GetProperty("track").GetString());
        Assert.Equal(100 * Ms, link.GetProperty("time").GetInt64());

        var summary = ModelJson.Query(timeline.Timeline);
        Assert.Contains("c0", summary.GetProperty("tracks").EnumerateArray().Select(t => t.GetProperty("id").GetString()));
    }

    [Fact]
    public void A_blocked_span_puts_its_stack_and_waker_on_the_slice_and_the_breakdown_adds_up()
    {
        var timeline = new TimelineAnalysis(new TableSymbolizer(), ProcessFilter.ForPid(10));
        timeline.OnEvents([Switch(0, cpu: 0, prevTid: 0, nextTid: 10)]);
        timeline.OnEvents([Tick(5 * Ms, tid: 10, user: [0x77])]);
        timeline.OnEvents([Switch(20 * Ms, cpu: 0, prevTid: 10, SchedState.Sleeping, nextTid: 0)]);
        timeline.OnEvents([new Event<BlockSpan>(
            new EventHeader(BlockSpan.Kind, 20 * Ms + 3000, 10, 10) { DurationNs = 80 * Ms },
            new BlockSpan(SchedState.Sleeping, 1 * Ms, new ulong[] { 0x30, 0x20 }, new ulong[] { 0xf1 }, new Waker(20, 20, "waker", new ulong[] { 0x99 }, ReadOnlyMemory<ulong>.Empty)))]);
        timeline.OnEvents([Wakeup(100 * Ms, wakerTid: 20, wakeeTid: 10)]);
        timeline.OnEvents([Switch(101 * Ms, cpu: 0, prevTid: 0, nextTid: 10), Switch(120 * Ms, cpu: 0, prevTid: 10, SchedState.Sleeping, nextTid: 0)]);
        timeline.OnTick(long.MaxValue);

        var slice = ModelJson.Query(timeline.Timeline, parameters: [("track", "t10"), ("at", (50 * Ms).ToString())]);
        Assert.Equal("sleeping", slice.GetProperty("state").GetString());
        Assert.Equal(["u20", "u30", "kf1"], slice.GetProperty("stack").EnumerateArray().Select(f => f.GetProperty("name").GetString()));
        var waker = slice.GetProperty("waker");
        Assert.Equal(20, waker.GetProperty("tid").GetInt32());
        Assert.Equal(["u99"], waker.GetProperty("stack").EnumerateArray().Select(f => f.GetProperty("name").GetString()));

        var thread = Assert.Single(timeline.Breakdown.Compute(0, 120 * Ms, null, 10, 5, out _, out _));
        Assert.Equal(120 * Ms, thread.Wall);
        Assert.Equal(thread.Wall, thread.States.Values.Sum());
        Assert.Equal(39 * Ms, thread.States["running"]);
        Assert.Equal(80 * Ms, thread.States["sleeping"]);
        Assert.Equal(1 * Ms, thread.States["runnable"]);
        Assert.Equal("u77", Assert.Single(thread.TopFunctions).Name);
        Assert.Equal(80 * Ms, Assert.Single(thread.TopBlocking).Value);
    }

    [Fact]
    public void A_thread_that_exits_ends_its_track_cleanly()
    {
        var timeline = new TimelineAnalysis(new TableSymbolizer(), ProcessFilter.All);
        timeline.OnEvents([Switch(0, cpu: 0, prevTid: 0, nextTid: 11, nextPid: 10)]);
        timeline.OnEvents([Switch(30 * Ms, cpu: 0, prevTid: 11, SchedState.Other, nextTid: 0, prevPid: 10)]);
        timeline.OnEvents([new Event<ProcessLifecycle>(new EventHeader(ProcessLifecycle.ThreadExitKind, 31 * Ms, 10, 11), new ProcessLifecycle(ProcessChange.ThreadExit, "worker"))]);
        timeline.OnTick(long.MaxValue);

        var track = ModelJson.Query(timeline.Timeline).GetProperty("tracks").EnumerateArray().Single(t => t.GetProperty("id").GetString() == "t11");
        Assert.Equal(31 * Ms, track.GetProperty("end").GetInt64());
        var thread = Assert.Single(timeline.Breakdown.Compute(0, 60 * Ms, null, 11, 5, out _, out _));
        Assert.Equal(31 * Ms, thread.Wall);
    }

    [Fact]
    public void Layers_are_applied_in_timestamp_order_whatever_batches_they_came_in()
    {
        var timeline = new TimelineAnalysis(new TableSymbolizer(), ProcessFilter.All);

        // One read of the stream: all switches first, then all wakeups, as the source batches them by type.
        timeline.OnEvents([Switch(0, cpu: 0, prevTid: 0, nextTid: 10), Switch(0, cpu: 1, prevTid: 0, nextTid: 20), Switch(10 * Ms, cpu: 0, prevTid: 10, SchedState.Sleeping, nextTid: 0), Switch(30 * Ms, cpu: 0, prevTid: 0, nextTid: 10)]);
        timeline.OnEvents([Wakeup(29 * Ms, wakerTid: 20, wakeeTid: 10)]);
        timeline.OnTick(20 * Ms);
        timeline.OnTick(long.MaxValue);

        var window = ModelJson.Query(timeline.Timeline, parameters: [("t0", "0"), ("t1", (40 * Ms).ToString()), ("px", "4000"), ("tracks", "t10")]);
        var strings = window.Strings("strings");
        var slices = window.GetProperty("tracks")[0].GetProperty("slices");
        Assert.Equal(["running", "sleeping", "runnable"], slices.GetProperty("states").EnumerateArray().Select(s => strings[s.GetInt32()]).ToArray());
        Assert.Equal("t20", slices.GetProperty("links")[1].GetProperty("track").GetString());
    }

    [Fact]
    public void A_window_is_decimated_to_the_pixel_width()
    {
        var model = new TimelineModel(new("t", TimelineModel.TypeName, "t", "ns", ["sched"]));
        model.Update(w =>
        {
            var track = w.Track("t1", TrackKind.Thread, 1, 1, "busy", "app", 0);
            for (var i = 0; i < 10_000; i++)
            {
                w.Add(track, TimelineSlice.Of(i * 1000L, 1000, w.String(i % 3 == 0 ? "running" : "runnable")));
            }

            return 0;
        });
        model.Commit(10_000_000);

        var window = ModelJson.Query(model, parameters: [("t0", "0"), ("t1", "10000000"), ("px", "100")]);
        var slices = window.GetProperty("tracks")[0].GetProperty("slices");
        var merged = slices.Longs("merged");
        Assert.InRange(merged.Length, 90, 101);
        Assert.Equal(10_000, merged.Sum());
        Assert.All(slices.GetProperty("states").EnumerateArray(), s => Assert.Equal("runnable", window.Strings("strings")[s.GetInt32()]));
    }

    [Fact]
    public void Off_cpu_stacks_end_in_the_state_and_continue_with_their_waker()
    {
        var offcpu = new OffCpuAnalysis(new TableSymbolizer(), ProcessFilter.ForPid(10));
        offcpu.OnEvents(
        [
            Block(SchedState.Sleeping, blockedNs: 80 * Ms, runnableNs: 1 * Ms, new Waker(20, 21, "writer", new ulong[] { 0x99 }, ReadOnlyMemory<ulong>.Empty)),
            Block(SchedState.Blocked, blockedNs: 5 * Ms, runnableNs: 0, default),
        ]);

        var folded = Folded(offcpu.FlameGraph);
        Assert.Equal(80_000, folded["u20;u30;kf1;[sleeping S]"]);
        Assert.Equal(5_000, folded["u20;u30;kf1;[blocked D]"]);
        var wakers = Folded(offcpu.Wakers);
        Assert.Equal(80_000, wakers["u20;u30;kf1;[sleeping S];[woken by];writer (tid 21);u99"]);
        Assert.Equal(5_000, wakers["u20;u30;kf1;[blocked D];[woken by];[waker unknown]"]);
    }

    [Fact]
    public void The_wall_clock_graph_merges_on_and_off_cpu_time_of_the_same_stack()
    {
        var wall = new WallClockAnalysis(new TableSymbolizer(), ProcessFilter.ForPid(10), TimeSpan.FromSeconds(1));
        wall.OnEvents([new Event<CpuStackSample>(new EventHeader(CpuStackSample.Kind, 0, 10, 10) { DurationNs = 1_000 * Ms }, new CpuStackSample(new ulong[] { 0x30, 0x20 }, ReadOnlyMemory<ulong>.Empty, 2, "app", PeriodNs: 10 * Ms))]);
        wall.OnEvents([Block(SchedState.Sleeping, blockedNs: 80 * Ms, runnableNs: 3 * Ms, default)]);
        Assert.Empty(wall.Model.Windows());

        wall.OnTick(500 * Ms);
        Assert.Empty(wall.Model.Windows()); // sources not past the data yet
        wall.OnTick(2_000 * Ms);

        Assert.Single(wall.Model.Windows());
        var folded = Folded(wall.Model);
        Assert.Equal(20_000, folded["u20;u30"]);
        Assert.Equal(80_000, folded["u20;u30;kf1;[sleeping S]"]);
        Assert.Equal(3_000, folded["u20;u30;kf1;[runnable]"]);
    }

    [Fact]
    public void Run_queue_latency_becomes_histograms_a_heatmap_a_thread_table_and_a_series()
    {
        var sched = new SchedAnalysis(ProcessFilter.All);
        var buckets = new long[SchedAnalysis.Buckets];
        buckets[1] = 90;  // [1, 2) µs
        buckets[11] = 10; // [1024, 2048) µs
        sched.OnEvents(
        [
            Latency(LatencyGroup.All, 0, "all", buckets, max: 2_000_000),
            Latency(LatencyGroup.Process, 10, "app", buckets, max: 2_000_000),
        ]);
        sched.OnEvents([new Event<ThreadSwitchCounts>(new EventHeader(ThreadSwitchCounts.Kind, 0, 10, 11), new ThreadSwitchCounts(5, 2, 1, "worker", "app"))]);
        sched.OnEvents([new Event<ThreadSwitchCounts>(new EventHeader(ThreadSwitchCounts.Kind, Ms, 10, 11), new ThreadSwitchCounts(5, 0, 0, "worker", "app"))]);
        sched.OnEvents([new Event<RunQueueLength>(new EventHeader(RunQueueLength.Kind, 0, 0, 0) { DurationNs = 1_000 * Ms }, new RunQueueLength(1, 1.5, 3))]);

        var all = sched.RunQueueLatency.Total("all")!;
        Assert.Equal(100, all.Count);
        Assert.InRange(all.Percentile(0.5), 1, 2);
        Assert.InRange(all.Percentile(0.99), 1024, 2000);
        Assert.NotNull(sched.RunQueueLatency.Total("pid:10"));
        Assert.Equal(1, sched.Heatmap.Columns);
        Assert.Equal(new object[] { 11L, 10L, "worker", "app", 10L, 2L, 1L }, Assert.Single(sched.Threads.Rows));
        var series = ModelJson.Query(sched.RunQueueLength).GetProperty("series")[0];
        Assert.Equal("CPU 1", series.GetProperty("label").GetString());

        var text = new MemoryStream();
        new HistogramTextExporter().Write(sched.RunQueueLatency, text, 0);
        var table = Encoding.UTF8.GetString(text.ToArray());
        Assert.Contains("1024 -> 2047", table);
        Assert.Contains("****", table);
    }

    private static Event<ThreadSwitch> Switch(long ts, int cpu, int prevTid, SchedState state = SchedState.Runnable, int nextTid = 0, int prevPid = -1, int nextPid = -1) =>
        new(new EventHeader(ThreadSwitch.Kind, ts, prevPid < 0 ? prevTid : prevPid, prevTid) { Cpu = cpu },
            new ThreadSwitch(cpu, prevPid < 0 ? prevTid : prevPid, prevTid, state, nextPid < 0 ? nextTid : nextPid, nextTid, $"thread{prevTid}", $"thread{nextTid}"));

    private static Event<ThreadWakeup> Wakeup(long ts, int wakerTid, int wakeeTid) =>
        new(new EventHeader(ThreadWakeup.Kind, ts, wakerTid, wakerTid), new ThreadWakeup(wakeeTid, wakeeTid, 0, $"thread{wakerTid}"));

    private static Event<CpuSampleTick> Tick(long ts, int tid, ulong[] user) =>
        new(new EventHeader(CpuSampleTick.Kind, ts, tid, tid), new CpuSampleTick(user, ReadOnlyMemory<ulong>.Empty));

    private static Event<OffCpuBlock> Block(SchedState state, long blockedNs, long runnableNs, Waker waker) =>
        new(new EventHeader(OffCpuBlock.Kind, 0, 10, 10) { DurationNs = 1_000 * Ms },
            new OffCpuBlock(new ulong[] { 0x30, 0x20 }, new ulong[] { 0xf1 }, state, blockedNs, runnableNs, 1, "app", waker));

    private static Event<RunQueueLatency> Latency(LatencyGroup group, ulong id, string label, long[] buckets, long max) =>
        new(new EventHeader(RunQueueLatency.Kind, 0, 0, 0) { DurationNs = 1_000 * Ms }, new RunQueueLatency(group, id, label, buckets, buckets.Sum(), buckets.Sum() * 1000, max));

    private static Dictionary<string, long> Folded(Models.FlameGraph.FlameGraphModel model)
    {
        var text = new StringWriter();
        model.Read(tree =>
        {
            FoldedExporter.Write(tree, text);
            return 0;
        });
        return text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .ToDictionary(l => l[..l.LastIndexOf(' ')].Replace("_[k]", string.Empty, StringComparison.Ordinal), l => long.Parse(l[(l.LastIndexOf(' ') + 1)..]));
    }
}
