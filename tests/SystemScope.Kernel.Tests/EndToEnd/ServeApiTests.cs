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
        Assert.Contains(cpu.GetProperty("mechanisms").EnumerateArray(), m => m.GetString()!.Contains("perf_event", StringComparison.Ordinal));
        Assert.True(capabilities.GetProperty("kernel").GetProperty("btf").GetBoolean());
        Assert.Equal(default(KernelObjectCounts), KernelObjectCensus.Count(agent.Pid)); // probing leaves nothing loaded
    }

    [AgentFact]
    public async Task A_session_profiles_pauses_resets_retargets_and_stops()
    {
        using var first = Workloads.Start("cpu_split", "30");
        using var second = Workloads.Start("syscall_loop", "read", "30");
        using var agent = AgentServerProcess.Start();

        var (status, started, _) = await agent.Send(HttpMethod.Post, "/api/sessions", $$$"""{"sources":[{"id":"cpu","options":{"frequency":199}}],"pid":{{{first.Pid}}}}""");
        Assert.Equal(201, status);
        var id = started.GetProperty("id").GetString()!;
        Assert.Equal("running", started.GetProperty("state").GetString());
        Assert.Equal(["process", "cpu"], started.GetProperty("sources").EnumerateArray().Select(s => s.GetProperty("id").GetString()));

        var graph = await WaitForFrame(agent, id, "spend_75");
        Assert.DoesNotContain("syscall_loop", FrameModules(graph));

        var paused = (await agent.Send(HttpMethod.Post, $"/api/sessions/{id}/pause")).Body;
        Assert.Equal("paused", paused.GetProperty("state").GetString());
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // let a window that may have been in flight land
        var during = Counter(await agent.GetJson($"/api/sessions/{id}"), "cpu", "samples");
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        Assert.Equal(during, Counter(await agent.GetJson($"/api/sessions/{id}"), "cpu", "samples"));

        Assert.Equal("running", (await agent.Send(HttpMethod.Post, $"/api/sessions/{id}/resume")).Body.GetProperty("state").GetString());
        Assert.Equal(200, (await agent.Send(HttpMethod.Post, $"/api/sessions/{id}/reset")).Status);
        var reset = await agent.GetJson($"/api/sessions/{id}/models/cpu.flamegraph");
        Assert.True(reset.GetProperty("totalSamples").GetInt64() < during, reset.ToString());

        var retargeted = await agent.Send(HttpMethod.Put, $"/api/sessions/{id}/filter", $$"""{"pids":[{{second.Pid}}]}""");
        Assert.Equal(200, retargeted.Status);
        Assert.Equal([second.Pid], retargeted.Body.GetProperty("filter").GetProperty("pids").EnumerateArray().Select(p => p.GetInt32()));
        graph = await WaitForFrame(agent, id, "read");
        Assert.DoesNotContain("spend_75", FrameNames(graph));

        Assert.Equal(204, (await agent.Send(HttpMethod.Delete, $"/api/sessions/{id}")).Status);
        Assert.Equal("stopped", (await agent.GetJson($"/api/sessions/{id}")).GetProperty("state").GetString());
        Assert.Equal(0, (await agent.GetJson("/api/sessions")).GetArrayLength());
    }

    [AgentFact]
    public async Task Sessions_run_side_by_side()
    {
        using var first = Workloads.Start("cpu_split", "20");
        using var second = Workloads.Start("syscall_loop", "read", "20");
        using var agent = AgentServerProcess.Start();

        var a = (await agent.Send(HttpMethod.Post, "/api/sessions", $$"""{"pid":{{first.Pid}}}""")).Body.GetProperty("id").GetString()!;
        var b = (await agent.Send(HttpMethod.Post, "/api/sessions", $$"""{"pid":{{second.Pid}}}""")).Body.GetProperty("id").GetString()!;

        await WaitForFrame(agent, a, "spend_75");
        await WaitForFrame(agent, b, "read");
        Assert.Equal(2, (await agent.GetJson("/api/sessions")).GetArrayLength());
    }

    [AgentFact]
    public async Task The_stream_sends_a_full_model_then_changes()
    {
        using var workload = Workloads.Start("cpu_split", "20");
        using var agent = AgentServerProcess.Start();
        var id = (await agent.Send(HttpMethod.Post, "/api/sessions", $$"""{"pid":{{workload.Pid}}}""")).Body.GetProperty("id").GetString()!;

        using var response = await agent.Http.GetAsync($"/api/sessions/{id}/stream", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var updates = new List<JsonElement>();
        var deadline = DateTime.UtcNow + Patience;
        while (updates.Count < 4 && DateTime.UtcNow < deadline)
        {
            var line = await reader.ReadLineAsync();
            if (line?.StartsWith("data: ", StringComparison.Ordinal) == true)
            {
                updates.Add(JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone());
            }
        }

        Assert.Equal(4, updates.Count);
        var graphs = updates.Select(u => u.GetProperty("models").TryGetProperty("cpu.flamegraph", out var g) ? g : (JsonElement?)null).ToList();
        Assert.True(graphs[0]!.Value.GetProperty("full").GetBoolean());
        Assert.All(graphs.Skip(1).OfType<JsonElement>(), g => Assert.False(g.GetProperty("full").GetBoolean()));
        Assert.Equal(id, updates[^1].GetProperty("session").GetProperty("id").GetString());
        Assert.True(graphs.OfType<JsonElement>().Last().GetProperty("totalSamples").GetInt64() > 0);
    }

    [AgentFact]
    public async Task Bad_requests_get_problem_details_and_the_agent_keeps_serving()
    {
        using var agent = AgentServerProcess.Start();

        await ExpectProblem(agent, HttpMethod.Post, "/api/sessions", "{\"sources\": [\"cpu\"", 400, "not valid JSON");
        await ExpectProblem(agent, HttpMethod.Post, "/api/sessions", """{"sources":[{"id":"cpu","options":{"frequency":0}}]}""", 400, "source cpu: option frequency: 0 is not valid");
        await ExpectProblem(agent, HttpMethod.Post, "/api/sessions", """{"sources":[{"id":"cpu","options":{"frequency":20000}}]}""", 400, "1 to 10000 Hz");
        await ExpectProblem(agent, HttpMethod.Post, "/api/sessions", """{"frequency":99}""", 400, "no field 'frequency'");
        await ExpectProblem(agent, HttpMethod.Post, "/api/sessions", """{"filter":{"cgroup":"/no-such-cgroup-here"}}""", 404, "no cgroup v2 at /no-such-cgroup-here");
        await ExpectProblem(agent, HttpMethod.Post, "/api/sessions", """{"sources":["nope"]}""", 400, "unknown source 'nope'");
        await ExpectProblem(agent, HttpMethod.Post, "/api/sessions", """{"pid":999999}""", 404, "no process with pid 999999");
        await ExpectProblem(agent, HttpMethod.Post, "/api/sessions", """{"pid":-3}""", 400, "pid -3 is not a process id");
        await ExpectProblem(agent, HttpMethod.Get, "/api/sessions/feedbeef", null, 404, "no session with id 'feedbeef'");
        await ExpectProblem(agent, HttpMethod.Delete, "/api/sessions/feedbeef", null, 404, "no running session with id 'feedbeef'");
        await ExpectProblem(agent, HttpMethod.Get, "/api/sessions/feedbeef/stream", null, 404, "no running session with id 'feedbeef'");
        await ExpectProblem(agent, HttpMethod.Get, "/api/nothing-here", null, 404, "no API endpoint");

        Assert.Equal("ok", (await agent.GetJson("/api/health")).GetProperty("status").GetString());
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

    private static long Counter(JsonElement session, string source, string counter) =>
        session.GetProperty("sources").EnumerateArray().Single(s => s.GetProperty("id").GetString() == source)
            .GetProperty("counters").EnumerateArray().Single(c => c.GetProperty("name").GetString() == counter)
            .GetProperty("value").GetInt64();

    private static List<string?> FrameModules(JsonElement graph) =>
        [.. graph.GetProperty("frameModules").EnumerateArray().Select(f => f.GetString())];

    private static List<string> FrameNames(JsonElement graph) =>
        [.. graph.GetProperty("frameNames").EnumerateArray().Select(f => f.GetString()!)];
}
