using System.Globalization;
using System.Text.Json;
using SystemScope.Kernel.Tests.EndToEnd;
using SystemScope.Kernel.Tests.Infrastructure;

namespace SystemScope.Kernel.Tests.Scheduler;

/// <summary>
/// The scheduler layer (offcpu, sched, the thread timeline) through the published binary's API,
/// against workloads with known truth.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class SchedulerLayerTests
{
    private const long Second = 1_000_000_000;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [AgentFact]
    public async Task Work_then_sleep_is_80_percent_off_cpu_under_nap_and_the_states_add_up_to_wall_time()
    {
        using var workload = Workloads.Start("work_sleep", "30", "raw");
        using var agent = AgentServerProcess.Start();
        var id = await Start(agent, $$"""{"sources":["cpu","offcpu","sched"],"pid":{{workload.Pid}},"detached":true}""");
        await Task.Delay(TimeSpan.FromSeconds(7));

        // An interior range: whole windows, away from the start.
        var (t0, t1) = await Interior(agent, id, "cpu.flamegraph");
        var breakdown = await agent.GetJson($"/api/sessions/{id}/models/threads.breakdown?t0={t0}&t1={t1}&tid={workload.Pid}");
        var thread = Assert.Single(breakdown.GetProperty("threads").EnumerateArray());
        var wall = thread.GetProperty("wall").GetInt64();
        var states = thread.GetProperty("states").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt64());
        double Share(string state) => states.GetValueOrDefault(state) / (double)wall;
        Assert.Equal(t1 - t0, wall);
        Assert.InRange(states.Values.Sum() / (double)wall, 0.98, 1.02);
        Assert.InRange(Share("unknown"), 0, 0.02);
        Assert.InRange(Share("sleeping"), 0.75, 0.85);
        Assert.InRange(Share("running") + Share("runnable"), 0.15, 0.25);
        Assert.Contains(thread.GetProperty("topBlocking").EnumerateArray(), b => b.GetProperty("frames").EnumerateArray().Any(f => f.GetString() == "nap"));
        Assert.Equal("compute", thread.GetProperty("topFunctions")[0].GetProperty("name").GetString());

        // The off-CPU flame graph over the same range: µs blocked under nap ≈ 80% of the range's wall time.
        var offcpu = await agent.GetJson($"/api/sessions/{id}/models/offcpu.flamegraph?t0={t0}&t1={t1}");
        var range = offcpu.GetProperty("range");
        var covered = (range.GetProperty("t1").GetInt64() - range.GetProperty("t0").GetInt64()) / 1000.0;
        Assert.InRange(Graph.Under(offcpu, "nap") / covered, 0.75, 0.85);
        Assert.Contains("[sleeping S]", Graph.Names(offcpu));
    }

    [AgentFact]
    public async Task Through_glibc_the_caller_of_nanosleep_is_found_only_by_an_unwinder_that_reads_eh_frame()
    {
        using var workload = Workloads.Start("work_sleep", "30", "libc");
        using var agent = AgentServerProcess.Start();
        var tables = await Start(agent, $$"""{"sources":["offcpu"],"pid":{{workload.Pid}},"detached":true}""");
        var framePointers = await Start(agent, $$$"""{"sources":[{"id":"offcpu","options":{"unwindTables":false}}],"pid":{{{workload.Pid}}},"detached":true}""");
        await Task.Delay(TimeSpan.FromSeconds(6));

        // The thread is off-CPU ~80% of the time whatever the unwinder; Debian's glibc keeps no frame
        // pointer, so a frame-pointer walk from clock_nanosleep returns to nap's caller and loses nap.
        var (underNap, underMain) = await Shares(agent, tables);
        Assert.InRange(underNap, 0.70, 0.85);
        Assert.InRange(underMain, 0.70, 0.85);
        Assert.Contains(Source(await agent.GetJson($"/api/sessions/{tables}"), "offcpu").GetProperty("mechanisms").EnumerateArray(), m => m.GetString()!.StartsWith("unwind: .eh_frame", StringComparison.Ordinal));

        (underNap, underMain) = await Shares(agent, framePointers);
        Assert.True(underNap < 0.05, $"nap is not expected on frame-pointer stacks through glibc, found {underNap:P0}");
        Assert.InRange(underMain, 0.70, 0.85);
    }

    /// <summary>The shares of wall time under nap and under main in the interior of the session's off-CPU graph.</summary>
    private static async Task<(double Nap, double Main)> Shares(AgentServerProcess agent, string id)
    {
        var (t0, t1) = await Interior(agent, id, "offcpu.flamegraph");
        var offcpu = await agent.GetJson($"/api/sessions/{id}/models/offcpu.flamegraph?t0={t0}&t1={t1}");
        var range = offcpu.GetProperty("range");
        var covered = (range.GetProperty("t1").GetInt64() - range.GetProperty("t0").GetInt64()) / 1000.0;
        // Two sessions on a busy machine slow the work part a little: the lower bound has room for it.
        Assert.InRange(offcpu.GetProperty("totalSamples").GetInt64() / covered, 0.70, 0.85);
        return (Graph.Under(offcpu, "nap") / covered, Graph.Under(offcpu, "main") / covered);
    }

    [AgentFact]
    public async Task Stacks_reused_at_one_place_are_checked_and_callers_that_differ_far_up_keep_their_share()
    {
        // The two callers differ only three frames above the sleep: what identifies "the same place"
        // cannot tell them apart, so only the walks that check reuses can (then the place walks every time).
        using var workload = Workloads.Start("deep_callers", "30");
        using var agent = AgentServerProcess.Start();
        var id = await Start(agent, $$"""{"sources":["offcpu"],"pid":{{workload.Pid}},"detached":true}""");
        await Task.Delay(TimeSpan.FromSeconds(6));

        var offcpu = await agent.GetJson($"/api/sessions/{id}/models/offcpu.flamegraph");
        double shorter = Graph.Under(offcpu, "caller_short"), longer = Graph.Under(offcpu, "caller_long");
        Assert.True(shorter + longer > 0, string.Join(", ", Graph.Names(offcpu)));
        Assert.InRange(shorter / (shorter + longer), 0.20, 0.30);

        var counters = Source(await agent.GetJson($"/api/sessions/{id}"), "offcpu").GetProperty("counters").EnumerateArray()
            .ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("value").GetInt64());
        Assert.True(counters["stacks.reused"] > 0, "a thread sleeping in a loop reuses its stacks");
        Assert.True(counters["stacks.reuse_differed"] > 0, "the walks that check reuses find the other caller");

        // Walking at every block: the same shares, no reuse.
        var exact = await Start(agent, $$$"""{"sources":[{"id":"offcpu","options":{"stackReuse":0}}],"pid":{{{workload.Pid}}},"detached":true}""");
        await Task.Delay(TimeSpan.FromSeconds(3));
        var walked = await agent.GetJson($"/api/sessions/{exact}/models/offcpu.flamegraph");
        shorter = Graph.Under(walked, "caller_short");
        longer = Graph.Under(walked, "caller_long");
        Assert.InRange(shorter / (shorter + longer), 0.20, 0.30);
        var exactCounters = Source(await agent.GetJson($"/api/sessions/{exact}"), "offcpu").GetProperty("counters").EnumerateArray()
            .ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("value").GetInt64());
        Assert.Equal(0, exactCounters["stacks.reused"]);
    }

    [AgentFact]
    public async Task Two_threads_ping_ponging_through_a_pipe_name_each_other_as_waker()
    {
        using var workload = Workloads.Start("pipe_pingpong", "30");
        var ping = int.Parse(workload.Info("ping"), CultureInfo.InvariantCulture);
        var pong = int.Parse(workload.Info("pong"), CultureInfo.InvariantCulture);
        using var agent = AgentServerProcess.Start();
        var id = await Start(agent, $$"""{"sources":["offcpu","sched"],"pid":{{workload.Pid}},"detached":true}""");
        await Task.Delay(TimeSpan.FromSeconds(4));

        var wakers = await agent.GetJson($"/api/sessions/{id}/models/offcpu.wakers");
        // Blocked in read: the other thread's write woke it.
        Assert.True(Graph.WokenBy(wakers, "pipe_read", $"(tid {pong})") > 0, "ping's reads are woken by pong");
        Assert.True(Graph.WokenBy(wakers, "pipe_read", $"(tid {ping})") > 0, "pong's reads are woken by ping");

        // On the timeline, ping's sleeping slices link to pong's track and the other way round.
        var summary = await agent.GetJson($"/api/sessions/{id}/models/threads.timeline");
        var end = summary.GetProperty("end").GetInt64();
        var window = await agent.GetJson($"/api/sessions/{id}/models/threads.timeline?t0=0&t1={end}&px=20000&tracks=t{ping},t{pong}");
        var links = window.GetProperty("tracks").EnumerateArray().ToDictionary(
            t => t.GetProperty("id").GetString()!,
            t => t.GetProperty("slices").GetProperty("links").EnumerateArray().Where(l => l.ValueKind == JsonValueKind.Object).Select(l => l.GetProperty("track").GetString()).ToList());
        Assert.Contains($"t{pong}", links[$"t{ping}"]);
        Assert.Contains($"t{ping}", links[$"t{pong}"]);
    }

    [AgentFact]
    public async Task Run_queue_latency_rises_when_the_cpus_are_oversubscribed_and_agrees_with_runqlat()
    {
        using var agent = AgentServerProcess.Start();

        // Quiet: a thread that sleeps and wakes finds a free CPU at once.
        using (var quiet = Workloads.Start("work_sleep", "8", "raw"))
        {
            var id = await Start(agent, $$"""{"sources":["sched"],"pid":{{quiet.Pid}},"detached":true}""");
            await Task.Delay(TimeSpan.FromSeconds(5));
            var idle = Group(await agent.GetJson($"/api/sessions/{id}/models/sched.runqlat"), "all");
            await agent.Send(HttpMethod.Delete, $"/api/sessions/{id}");

            // Four busy threads on two CPUs: each waits for a CPU about half the time.
            using var busy = Workloads.Start("spinners", "4", "12");
            using var runqlat = RunqlatReference.Start(busy.Pid, seconds: 5);
            id = await Start(agent, $$"""{"sources":["sched"],"pid":{{busy.Pid}},"detached":true}""");
            await Task.Delay(TimeSpan.FromSeconds(6));
            var loaded = Group(await agent.GetJson($"/api/sessions/{id}/models/sched.runqlat"), "all");
            var reference = runqlat.Result(Patience);

            Assert.True(loaded.GetProperty("count").GetInt64() > 50, loaded.ToString());
            Assert.True(loaded.GetProperty("p50").GetDouble() > 10 * Math.Max(1, idle.GetProperty("p50").GetDouble()), $"idle {idle}, loaded {loaded}");
            Assert.True(loaded.GetProperty("p99").GetDouble() > 1000, $"p99 {loaded.GetProperty("p99")} µs");

            // The same distribution as runqlat's, measured over the same seconds: medians within one log2 bucket.
            var ours = loaded.GetProperty("buckets").EnumerateArray().Select(b => b.GetInt64()).ToArray();
            Assert.InRange(Log2MedianBucket(ours) - reference.MedianBucket, -1, 1);
        }

        var capabilities = await agent.GetJson("/api/capabilities");
        Assert.Contains(capabilities.GetProperty("sources").EnumerateArray(), s => s.GetProperty("id").GetString() == "sched" && s.GetProperty("available").GetBoolean());
    }

    [AgentFact]
    public async Task Per_thread_switches_and_the_run_queue_length_per_cpu_are_reported()
    {
        using var busy = Workloads.Start("spinners", "4", "10");
        using var agent = AgentServerProcess.Start();
        var id = await Start(agent, $$"""{"sources":["sched"],"pid":{{busy.Pid}},"detached":true}""");
        await Task.Delay(TimeSpan.FromSeconds(4));

        var threads = await agent.GetJson($"/api/sessions/{id}/models/sched.threads?sort=involuntary");
        var rows = threads.GetProperty("rows").EnumerateArray().ToList();
        Assert.True(rows.Count >= 4, threads.ToString());
        Assert.True(rows[0][5].GetInt64() > 10, $"busy threads on oversubscribed CPUs are preempted: {rows[0]}");

        var runqlen = await agent.GetJson($"/api/sessions/{id}/models/sched.runqlen");
        var averages = runqlen.GetProperty("series").EnumerateArray().SelectMany(s => s.GetProperty("values").EnumerateArray())
            .Where(v => v.ValueKind == JsonValueKind.Number).Select(v => v.GetDouble()).ToList();
        Assert.NotEmpty(averages);
        Assert.True(averages.Average() > 0.3, $"four runnable threads on two CPUs queue: {string.Join(", ", averages)}");
    }

    [AgentFact]
    public async Task A_thread_that_exits_mid_session_ends_its_track_cleanly()
    {
        using var workload = Workloads.Start("pipe_pingpong", "3");
        var pong = int.Parse(workload.Info("pong"), CultureInfo.InvariantCulture);
        using var agent = AgentServerProcess.Start();
        var id = await Start(agent, $$"""{"sources":["sched"],"pid":{{workload.Pid}},"detached":true}""");
        workload.WaitForExit(Patience);
        await Task.Delay(TimeSpan.FromSeconds(2));

        var tracks = (await agent.GetJson($"/api/sessions/{id}/models/threads.timeline")).GetProperty("tracks").EnumerateArray().ToList();
        var track = tracks.Single(t => t.GetProperty("id").GetString() == $"t{pong}");
        Assert.Equal(JsonValueKind.Number, track.GetProperty("end").ValueKind);
        Assert.True((await agent.GetJson($"/api/sessions/{id}")).GetProperty("targetExited").GetBoolean());
    }

    [AgentFact]
    public async Task Bad_scheduler_options_are_named_and_the_agent_keeps_serving()
    {
        using var agent = AgentServerProcess.Start();

        var unknown = await agent.Send(HttpMethod.Post, "/api/sessions", """{"sources":[{"id":"offcpu","options":{"minBlock":5}}]}""");
        Assert.Equal(400, unknown.Status);
        Assert.Contains("has no option 'minBlock' — did you mean 'minBlockUs'?", unknown.Body.GetProperty("detail").GetString());
        var state = await agent.Send(HttpMethod.Post, "/api/sessions", """{"sources":[{"id":"offcpu","options":{"states":["Z"]}}]}""");
        Assert.Equal(400, state.Status);
        Assert.Contains("'Z' is not valid", state.Body.GetProperty("detail").GetString());
        var range = await agent.Send(HttpMethod.Post, "/api/sessions", """{"sources":[{"id":"offcpu","options":{"minBlockUs":0}}]}""");
        Assert.Equal(400, range.Status);

        var id = await Start(agent, """{"sources":["sched"],"detached":true}""");
        var missing = await agent.Send(HttpMethod.Get, $"/api/sessions/{id}/models/threads.timeline?track=t999999999&at=0");
        Assert.Equal(404, missing.Status);
        Assert.Contains("no track 't999999999'", missing.Body.GetProperty("detail").GetString());
        Assert.Equal("ok", (await agent.GetJson("/api/health")).GetProperty("status").GetString());
    }

    private static async Task<string> Start(AgentServerProcess agent, string body)
    {
        var (status, session, _) = await agent.Send(HttpMethod.Post, "/api/sessions", body);
        Assert.True(status == 201, session.ToString());
        return session.GetProperty("id").GetString()!;
    }

    /// <summary>A range of whole windows of a flame graph's history, leaving out the first two (the threads' first events) and the last.</summary>
    private static async Task<(long T0, long T1)> Interior(AgentServerProcess agent, string id, string model)
    {
        var windows = (await agent.GetJson($"/api/sessions/{id}/models/{model}")).GetProperty("windows");
        var starts = windows.GetProperty("starts").EnumerateArray().Select(s => s.GetInt64()).ToArray();
        var ends = windows.GetProperty("ends").EnumerateArray().Select(s => s.GetInt64()).ToArray();
        Assert.True(starts.Length >= 5, $"{starts.Length} windows");
        return (starts[2], ends[^2]);
    }

    private static JsonElement Source(JsonElement session, string id) =>
        session.GetProperty("sources").EnumerateArray().Single(s => s.GetProperty("id").GetString() == id);

    private static JsonElement Group(JsonElement histogram, string key) =>
        histogram.GetProperty("groups").EnumerateArray().Single(g => g.GetProperty("key").GetString() == key);

    private static int Log2MedianBucket(long[] buckets)
    {
        var half = buckets.Sum() / 2.0;
        long seen = 0;
        for (var k = 0; k < buckets.Length; k++)
        {
            seen += buckets[k];
            if (seen >= half)
            {
                return k;
            }
        }

        return buckets.Length - 1;
    }
}
