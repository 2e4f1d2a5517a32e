using System.Net;
using System.Text.Json;
using SystemScope.Bpf;
using SystemScope.Kernel.Tests.Infrastructure;

namespace SystemScope.Kernel.Tests.EndToEnd;

/// <summary><c>systemscope serve</c>: the HTTP API of the published binary, against real workloads.</summary>
[Collection(KernelCollection.Name)]
public sealed class ServeApiTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [AgentFact]
    public async Task An_idle_agent_holds_no_bpf_program_and_no_perf_event()
    {
        using var agent = AgentServerProcess.Start();
        await agent.GetJson("/api/health");
        await agent.GetJson("/api/processes");

        Assert.Equal(default(KernelObjectCounts), KernelObjectCensus.Count(agent.Pid));

        var (status, session, _) = await agent.Send(HttpMethod.Post, "/api/sessions", """{"sources":["cpu"]}""");
        Assert.Equal(201, status);
        var held = KernelObjectCensus.Count(agent.Pid);
        Assert.True(held.BpfPrograms > 0 && held.PerfEvents >= Environment.ProcessorCount, $"while profiling: {held}");

        Assert.Equal(204, (await agent.Send(HttpMethod.Delete, $"/api/sessions/{session.GetProperty("id").GetString()}")).Status);
        Assert.Equal(default(KernelObjectCounts), KernelObjectCensus.Count(agent.Pid));
    }

    [AgentFact]
    public async Task Health_processes_and_capabilities_describe_the_machine()
    {
        using var workload = Workloads.Start("cpu_split", "10");
        using var agent = AgentServerProcess.Start();

        var health = await agent.GetJson("/api/health");
        Assert.Equal("ok", health.GetProperty("status").GetString());

        var processes = await agent.GetJson("/api/processes");
        var entry = processes.EnumerateArray().Single(p => p.GetProperty("pid").GetInt32() == workload.Pid);
        Assert.Equal("cpu_split", entry.GetProperty("name").GetString());
        Assert.Contains(workload.BinaryPath, entry.GetProperty("commandLine").GetString());
        Assert.True(entry.GetProperty("cpuPercent").GetDouble() > 30, entry.ToString()); // it burns one CPU

        var capabilities = await agent.GetJson("/api/capabilities");
        var cpu = capabilities.GetProperty("sources").EnumerateArray().Single(s => s.GetProperty("id").GetString() == "cpu");
        Assert.True(cpu.GetProperty("available").GetBoolean(), cpu.ToString());
        var frequency = cpu.GetProperty("options").EnumerateArray().Single(o => o.GetProperty("name").GetString() == "frequency");
        Assert.Equal(("integer", 1, 10000, 99), (frequency.GetProperty("kind").GetString(), frequency.GetProperty("min").GetInt32(), frequency.GetProperty("max").GetInt32(), frequency.GetProperty("default").GetInt32()));
        Assert.Equal("--frequency", frequency.GetProperty("flag").GetString());
        Assert.Contains(cpu.GetProperty("mechanisms").EnumerateArray(), m => m.GetString()!.Contains("perf_event", StringComparison.Ordinal));
        Assert.True(capabilities.GetProperty("kernel").GetProperty("btf").GetBoolean());
        Assert.Equal(default(KernelObjectCounts), KernelObjectCensus.Count(agent.Pid)); // probing leaves nothing loaded
    }

    [AgentFact]
    public async Task A_session_profiles_pauses_resets_changes_its_filter_and_stops()
    {
        using var first = Workloads.Start("cpu_split", "30");
        using var second = Workloads.Start("syscall_loop", "read", "30");
        using var agent = AgentServerProcess.Start();

        var (status, started, _) = await agent.Send(HttpMethod.Post, "/api/sessions", $$$"""{"sources":[{"id":"cpu","options":{"frequency":199}}],"pid":{{{first.Pid}}}}""");
        Assert.Equal(201, status);
        var id = started.GetProperty("id").GetString()!;
        Assert.Equal("running", started.GetProperty("state").GetString());
        var cpu = Source(started, "cpu");
        Assert.Equal(199, cpu.GetProperty("options").GetProperty("frequency").GetInt32());
        Assert.Contains(started.GetProperty("sources").EnumerateArray(), s => s.GetProperty("id").GetString() == "process" && s.GetProperty("implicit").GetBoolean());
        Assert.Equal(["cpu.flamegraph"], started.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("id").GetString()));

        var graph = await WaitForFrame(agent, id, "spend_75");
        Assert.DoesNotContain("syscall_loop", FrameModules(graph));

        var paused = (await agent.Send(HttpMethod.Post, $"/api/sessions/{id}/pause")).Body;
        Assert.Equal("paused", paused.GetProperty("state").GetString());
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // let a window that may have been in flight land
        var during = Counter(await agent.GetJson($"/api/sessions/{id}"), "cpu", "samples");
        var elapsed = (await agent.GetJson($"/api/sessions/{id}")).GetProperty("elapsedSeconds").GetDouble();
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var later = await agent.GetJson($"/api/sessions/{id}");
        Assert.Equal(during, Counter(later, "cpu", "samples"));
        Assert.Equal(elapsed, later.GetProperty("elapsedSeconds").GetDouble()); // paused time does not count

        Assert.Equal("running", (await agent.Send(HttpMethod.Post, $"/api/sessions/{id}/resume")).Body.GetProperty("state").GetString());
        Assert.Equal(200, (await agent.Send(HttpMethod.Post, $"/api/sessions/{id}/reset")).Status);
        Assert.True((await agent.GetJson($"/api/sessions/{id}/models/cpu.flamegraph")).GetProperty("totalSamples").GetInt64() < during);

        var filtered = await agent.Send(HttpMethod.Put, $"/api/sessions/{id}/filter", $$"""{"pids":[{{second.Pid}}]}""");
        Assert.Equal(200, filtered.Status);
        Assert.Equal([second.Pid], filtered.Body.GetProperty("filter").GetProperty("pids").EnumerateArray().Select(p => p.GetInt32()));
        graph = await WaitForFrame(agent, id, "read");
        Assert.DoesNotContain("spend_75", FrameNames(graph));

        Assert.Equal(204, (await agent.Send(HttpMethod.Delete, $"/api/sessions/{id}")).Status);
        var stopped = await agent.GetJson($"/api/sessions/{id}");
        Assert.Equal("stopped", stopped.GetProperty("state").GetString());
        Assert.Equal("stopped by a user", stopped.GetProperty("endReason").GetString());
        Assert.Empty((await agent.GetJson("/api/sessions")).EnumerateArray());
    }

    [AgentFact]
    public async Task Sessions_run_side_by_side_and_one_diffs_against_the_other()
    {
        using var first = Workloads.Start("cpu_split", "20");
        using var second = Workloads.Start("syscall_loop", "read", "20");
        using var agent = AgentServerProcess.Start();

        var a = (await agent.Send(HttpMethod.Post, "/api/sessions", $$"""{"pid":{{first.Pid}}}""")).Body.GetProperty("id").GetString()!;
        var b = (await agent.Send(HttpMethod.Post, "/api/sessions", $$"""{"pid":{{second.Pid}}}""")).Body.GetProperty("id").GetString()!;

        await WaitForFrame(agent, a, "spend_75");
        await WaitForFrame(agent, b, "read");
        Assert.Equal(2, (await agent.GetJson("/api/sessions")).GetArrayLength());
        await WaitForSamples(agent, a, 150); // a 75 % share is only a majority once there are enough samples

        var diff = await agent.GetJson($"/api/sessions/{b}/models/cpu.flamegraph?baseline.session={a}&baseline.model=cpu.flamegraph");
        Assert.Equal("diff", diff.GetProperty("kind").GetString());
        Assert.True(Share(diff, "spend_75", "baselineTotals", "baselineTotal") > 0.5, "spend_75 is in the baseline");
        Assert.Equal(0, Share(diff, "spend_75"));
    }

    [AgentFact]
    public async Task A_time_range_and_the_diff_of_two_halves_show_the_hot_function_switching()
    {
        using var workload = Workloads.Start("hot_switch", "8");
        using var agent = AgentServerProcess.Start();
        var started = (await agent.Send(HttpMethod.Post, "/api/sessions", $$$"""{"sources":[{"id":"cpu","options":{"frequency":499}}],"pid":{{{workload.Pid}}},"detached":true}""")).Body;
        var id = started.GetProperty("id").GetString()!;
        workload.WaitForExit(Patience);
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // the last window lands

        var live = await agent.GetJson($"/api/sessions/{id}/models/cpu.flamegraph");
        var windows = live.GetProperty("windows");
        var starts = windows.GetProperty("starts").EnumerateArray().Select(s => s.GetInt64()).ToArray();
        var totals = windows.GetProperty("totals").EnumerateArray().Select(s => s.GetInt64()).ToArray();
        var busy = starts.Where((_, i) => totals[i] > 0).ToArray();
        var middle = (busy[0] + busy[^1]) / 2;

        var early = await agent.GetJson($"/api/sessions/{id}/models/cpu.flamegraph?t0=0&t1={middle}");
        var late = await agent.GetJson($"/api/sessions/{id}/models/cpu.flamegraph?t0={middle}");
        Assert.True(Share(early, "phase_one") > 0.8, $"first half: phase_one {Share(early, "phase_one"):P0}");
        Assert.True(Share(late, "phase_two") > 0.8, $"second half: phase_two {Share(late, "phase_two"):P0}");

        var diff = await agent.GetJson($"/api/sessions/{id}/models/cpu.flamegraph?t0={middle}&baseline.t0=0&baseline.t1={middle}");
        Assert.True(Share(diff, "phase_two") > 0.8 && Share(diff, "phase_one", "baselineTotals", "baselineTotal") > 0.8, diff.GetProperty("range").ToString());

        var outside = await agent.Send(HttpMethod.Get, $"/api/sessions/{id}/models/cpu.flamegraph?t0=900000000000&t1=900000000001");
        Assert.Equal(400, outside.Status);
        Assert.Contains("outside the retained history", outside.Body.GetProperty("detail").GetString());
    }

    [AgentFact]
    public async Task A_session_nobody_views_ends_after_its_grace_period_and_releases_everything()
    {
        using var agent = AgentServerProcess.Start();
        var id = (await agent.Send(HttpMethod.Post, "/api/sessions", """{"graceSeconds":2}""")).Body.GetProperty("id").GetString()!;
        Assert.True(KernelObjectCensus.Count(agent.Pid).BpfPrograms > 0);

        // Nobody asks about it: no stream, no request.
        await Task.Delay(TimeSpan.FromSeconds(4.5));
        var session = await agent.GetJson($"/api/sessions/{id}");

        Assert.Equal("stopped", session.GetProperty("state").GetString());
        Assert.Contains("nobody viewed it for 2 s", session.GetProperty("endReason").GetString());
        Assert.Equal(default(KernelObjectCounts), KernelObjectCensus.Count(agent.Pid));
    }

    [AgentFact]
    public async Task An_open_stream_keeps_a_session_alive_and_a_detached_one_needs_no_viewer()
    {
        using var agent = AgentServerProcess.Start();
        var viewed = (await agent.Send(HttpMethod.Post, "/api/sessions", """{"graceSeconds":1}""")).Body.GetProperty("id").GetString()!;
        var detached = (await agent.Send(HttpMethod.Post, "/api/sessions", """{"detached":true,"graceSeconds":1}""")).Body.GetProperty("id").GetString()!;

        using (var response = await agent.Http.GetAsync($"/api/sessions/{viewed}/stream", HttpCompletionOption.ResponseHeadersRead))
        {
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(4);
            while (DateTime.UtcNow < until)
            {
                await reader.ReadLineAsync();
            }

            Assert.Equal(1, Lease(await agent.GetJson("/api/sessions"), viewed).GetProperty("viewers").GetInt32());
        }

        var sessions = await agent.GetJson("/api/sessions");
        Assert.Contains(sessions.EnumerateArray(), s => s.GetProperty("id").GetString() == detached);
        Assert.Equal("detached", Lease(sessions, detached).GetProperty("kind").GetString());
    }

    [AgentFact]
    public async Task The_stream_sends_every_model_whole_then_changes()
    {
        using var workload = Workloads.Start("cpu_split", "20");
        using var agent = AgentServerProcess.Start();
        var id = (await agent.Send(HttpMethod.Post, "/api/sessions", $$"""{"pid":{{workload.Pid}}}""")).Body.GetProperty("id").GetString()!;

        using var response = await agent.Http.GetAsync($"/api/sessions/{id}/stream", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var graphs = new List<JsonElement>();
        JsonElement last = default;
        var deadline = DateTime.UtcNow + Patience;
        while (graphs.Count < 4 && DateTime.UtcNow < deadline)
        {
            var line = await reader.ReadLineAsync();
            if (line?.StartsWith("data: ", StringComparison.Ordinal) == true)
            {
                last = JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone();
                if (last.GetProperty("models").TryGetProperty("cpu.flamegraph", out var graph))
                {
                    graphs.Add(graph);
                }
            }
        }

        Assert.Equal(4, graphs.Count);
        Assert.True(graphs[0].GetProperty("full").GetBoolean());
        Assert.All(graphs.Skip(1), g => Assert.False(g.GetProperty("full").GetBoolean()));
        Assert.Equal(id, last.GetProperty("session").GetProperty("id").GetString());
        Assert.True(graphs[^1].GetProperty("totalSamples").GetInt64() > 0);
        Assert.True(last.GetProperty("session").GetProperty("lease").GetProperty("viewers").GetInt32() >= 1);
    }

    [AgentFact]
    public async Task Bad_requests_get_problem_details_in_the_users_terms_and_the_agent_keeps_serving()
    {
        using var agent = AgentServerProcess.Start();

        await ExpectProblem(agent, HttpMethod.Post, "/api/sessions", "{\"sources\": [\"cpu\"", 400, "not valid JSON");
        await ExpectProblem(agent, HttpMethod.Post, "/api/sessions", """{"pdi":11203}""", 400, "has no field 'pdi' — did you mean 'pid'? Valid fields: sources, filter, pid");
        await ExpectProblem(agent, HttpMethod.Post, "/api/sessions", """{"sources":[{"id":"cpu","options":{"frequency":0}}]}""", 400, "source cpu: option frequency: 0 is not valid: give a whole number from 1 to 10000 Hz (default 99)");
        await ExpectProblem(agent, HttpMethod.Post, "/api/sessions", """{"sources":[{"id":"cpu","options":{"frequency":99.5}}]}""", 400, "99.5 is not valid: give a whole number");
        await ExpectProblem(agent, HttpMethod.Post, "/api/sessions", """{"sources":[{"id":"cpu","options":{"frequncy":99}}]}""", 400, "has no option 'frequncy' — did you mean 'frequency'?");
        await ExpectProblem(agent, HttpMethod.Post, "/api/sessions", """{"sources":["cpuu"]}""", 400, "unknown source 'cpuu' — did you mean 'cpu'?");
        await ExpectProblem(agent, HttpMethod.Post, "/api/sessions", """{"pid":999999}""", 404, "no process with pid 999999");
        await ExpectProblem(agent, HttpMethod.Post, "/api/sessions", """{"pid":-3}""", 400, "pid -3 is not a process id");
        await ExpectProblem(agent, HttpMethod.Post, "/api/sessions", """{"filter":{"cgroup":"/no/such/cgroup"}}""", 404, "no cgroup v2 at /no/such/cgroup");
        await ExpectProblem(agent, HttpMethod.Post, "/api/sessions", """{"memoryBudgetMiB":1}""", 400, "memory budget 1 MiB is out of range");
        await ExpectProblem(agent, HttpMethod.Post, "/api/sessions", """{"windowSeconds":"fast"}""", 400, "field 'windowSeconds' of the session request is \"fast\": expected a number");
        await ExpectProblem(agent, HttpMethod.Get, "/api/sessions/feedbeef", null, 404, "no session with id 'feedbeef'");
        await ExpectProblem(agent, HttpMethod.Delete, "/api/sessions/feedbeef", null, 404, "no running session");
        await ExpectProblem(agent, HttpMethod.Get, "/api/sessions/feedbeef/stream", null, 404, "no session with id 'feedbeef'");
        await ExpectProblem(agent, HttpMethod.Get, "/api/nothing-here", null, 404, "no API endpoint GET /api/nothing-here");
        await ExpectProblem(agent, HttpMethod.Patch, "/api/sessions", null, 405, "PATCH is not allowed on /api/sessions");

        using var textBody = new HttpRequestMessage(HttpMethod.Post, "/api/sessions") { Content = new StringContent("{}", System.Text.Encoding.UTF8, "text/plain") };
        using var unsupported = await agent.Http.SendAsync(textBody);
        Assert.Equal(415, (int)unsupported.StatusCode);
        Assert.Equal("application/problem+json", unsupported.Content.Headers.ContentType?.MediaType);

        var id = (await agent.Send(HttpMethod.Post, "/api/sessions", "{}")).Body.GetProperty("id").GetString()!;
        await ExpectProblem(agent, HttpMethod.Get, $"/api/sessions/{id}/models/cpu.flamegraf", null, 404, "no model 'cpu.flamegraf' — did you mean 'cpu.flamegraph'?");
        await ExpectProblem(agent, HttpMethod.Get, $"/api/sessions/{id}/models/cpu.flamegraph?t00=1", null, 400, "has no parameter 't00'");
        await ExpectProblem(agent, HttpMethod.Get, $"/api/sessions/{id}/models/cpu.flamegraph?cursor=xyz", null, 400, "not a cursor of cpu.flamegraph");
        await ExpectProblem(agent, HttpMethod.Put, $"/api/sessions/{id}/filter", """{"pids":[999999]}""", 404, "no process with pid 999999");
        await ExpectProblem(agent, HttpMethod.Put, $"/api/sessions/{id}/filter", """{"comm":"a-name-much-too-long"}""", 400, "1 to 15 bytes");

        Assert.Equal("ok", (await agent.GetJson("/api/health")).GetProperty("status").GetString());
        Assert.Equal("running", (await agent.GetJson($"/api/sessions/{id}")).GetProperty("state").GetString());
    }

    [AgentFact]
    public async Task A_filter_that_matches_nothing_gives_an_empty_model_not_an_error()
    {
        using var agent = AgentServerProcess.Start();
        var started = await agent.Send(HttpMethod.Post, "/api/sessions", """{"filter":{"comm":"no-such-prog"}}""");
        Assert.Equal(201, started.Status);
        var id = started.Body.GetProperty("id").GetString()!;
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        var graph = await agent.GetJson($"/api/sessions/{id}/models/cpu.flamegraph");
        Assert.Equal(0, graph.GetProperty("totalSamples").GetInt64());
    }

    [AgentFact]
    public async Task A_profiled_process_that_exits_is_reported_and_its_profile_kept()
    {
        using var workload = Workloads.Start("cpu_split", "2.5");
        using var agent = AgentServerProcess.Start();
        var id = (await agent.Send(HttpMethod.Post, "/api/sessions", $$"""{"pid":{{workload.Pid}}}""")).Body.GetProperty("id").GetString()!;

        workload.WaitForExit(Patience);
        var deadline = DateTime.UtcNow + Patience;
        JsonElement session;
        do
        {
            await Task.Delay(250);
            session = await agent.GetJson($"/api/sessions/{id}");
        }
        while (!session.GetProperty("targetExited").GetBoolean() && DateTime.UtcNow < deadline);

        Assert.True(session.GetProperty("targetExited").GetBoolean(), session.ToString());
        Assert.Contains("spend_75", FrameNames(await agent.GetJson($"/api/sessions/{id}/models/cpu.flamegraph")));
    }

    [AgentFact]
    public async Task Beyond_loopback_the_api_needs_the_token()
    {
        using var agent = AgentServerProcess.Start("0.0.0.0:0");
        Assert.NotNull(agent.Token);

        using var anonymous = new HttpClient { BaseAddress = agent.BaseAddress };
        using var refused = await anonymous.GetAsync("/api/health");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("token", await refused.Content.ReadAsStringAsync());

        using var viaQuery = await anonymous.GetAsync($"/api/health?token={agent.Token}");
        Assert.Equal(HttpStatusCode.OK, viaQuery.StatusCode);
        Assert.Equal("ok", (await agent.GetJson("/api/health")).GetProperty("status").GetString()); // bearer header
    }

    [AgentFact]
    public void A_port_in_use_is_a_one_line_error()
    {
        using var first = AgentServerProcess.Start();

        var second = AgentBinary.Run(Patience, "serve", "--listen", $"127.0.0.1:{first.BaseAddress.Port}");

        Assert.Equal(4, second.ExitCode);
        Assert.Equal($"systemscope: cannot listen on 127.0.0.1:{first.BaseAddress.Port}: address already in use (choose another address with --listen)", second.Stderr.Trim());
    }

    [AgentTheory]
    [InlineData("7070")]
    [InlineData("localhost:7070")]
    [InlineData("127.0.0.1:99999")]
    public void A_bad_listen_address_is_refused(string listen)
    {
        var result = AgentBinary.Run(Patience, "serve", "--listen", listen);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"--listen '{listen}'", result.Stderr);
    }

    [AgentFact]
    public async Task The_ui_is_served_from_the_binary()
    {
        using var agent = AgentServerProcess.Start();

        using var page = await agent.Http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        var script = System.Text.RegularExpressions.Regex.Match(html, "src=\"(?:\\./|/)?(assets/[^\"]+\\.js)\"");
        Assert.True(script.Success, html);
        using var asset = await agent.Http.GetAsync("/" + script.Groups[1].Value);
        Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
        Assert.Equal("text/javascript", asset.Content.Headers.ContentType?.MediaType);
    }

    private static async Task ExpectProblem(AgentServerProcess agent, HttpMethod method, string path, string? body, int status, string detail)
    {
        var (actual, problem, type) = await agent.Send(method, path, body);
        Assert.True(actual == status, $"{method} {path}: {actual} {problem}");
        Assert.Equal("application/problem+json", type);
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.Contains(detail, problem.GetProperty("detail").GetString());
    }

    private static async Task<JsonElement> WaitForFrame(AgentServerProcess agent, string id, string frame)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var graph = await agent.GetJson($"/api/sessions/{id}/models/cpu.flamegraph");
            if (FrameNames(graph).Contains(frame))
            {
                return graph;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no frame {frame} in session {id} after {Patience}: {string.Join(", ", FrameNames(graph))}");
            await Task.Delay(250);
        }
    }

    private static JsonElement Source(JsonElement session, string id) =>
        session.GetProperty("sources").EnumerateArray().Single(s => s.GetProperty("id").GetString() == id);

    private static long Counter(JsonElement session, string source, string counter) =>
        Source(session, source).GetProperty("counters").EnumerateArray().Single(c => c.GetProperty("name").GetString() == counter).GetProperty("value").GetInt64();

    private static JsonElement Lease(JsonElement sessions, string id) =>
        sessions.EnumerateArray().Single(s => s.GetProperty("id").GetString() == id).GetProperty("lease");

    /// <summary>The share of a range or diff answer's total in nodes named <paramref name="frame"/> (outermost occurrences).</summary>
    private static async Task WaitForSamples(AgentServerProcess agent, string id, long samples)
    {
        var deadline = DateTime.UtcNow + Patience;
        long total;
        while ((total = (await agent.GetJson($"/api/sessions/{id}/models/cpu.flamegraph")).GetProperty("totalSamples").GetInt64()) < samples)
        {
            Assert.True(DateTime.UtcNow < deadline, $"session {id} has {total} samples after {Patience}, expected {samples}");
            await Task.Delay(250);
        }
    }

    private static double Share(JsonElement graph, string frame, string totals = "nodeTotals", string total = "totalSamples")
    {
        var names = FrameNames(graph);
        var frames = graph.GetProperty("nodeFrames").EnumerateArray().Select(f => f.GetInt32()).ToArray();
        var parents = graph.GetProperty("nodeParents").EnumerateArray().Select(f => f.GetInt32()).ToArray();
        var values = graph.GetProperty(totals).EnumerateArray().Select(f => f.GetInt64()).ToArray();
        long sum = 0;
        for (var node = 1; node < frames.Length; node++)
        {
            if (names[frames[node]] != frame)
            {
                continue;
            }

            var nested = false;
            for (var p = parents[node]; p > 0; p = parents[p])
            {
                nested |= names[frames[p]] == frame;
            }

            sum += nested ? 0 : values[node];
        }

        return sum / (double)Math.Max(1, graph.GetProperty(total).GetInt64());
    }

    private static List<string?> FrameModules(JsonElement graph) =>
        [.. graph.GetProperty("frameModules").EnumerateArray().Select(f => f.GetString())];

    private static List<string> FrameNames(JsonElement graph) =>
        [.. graph.GetProperty("frameNames").EnumerateArray().Select(f => f.GetString()!)];
}
