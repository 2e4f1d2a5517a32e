using System.Globalization;
using System.Text.Json;
using SystemScope.Kernel.Tests.EndToEnd;
using SystemScope.Kernel.Tests.Infrastructure;
using SystemScope.Kernel.Tests.Scheduler;

namespace SystemScope.Kernel.Tests.Memory;

/// <summary>The memory source through the published binary's API, against workloads with known truth.</summary>
[Collection(KernelCollection.Name)]
public sealed class MemoryLayerTests
{
    private const int Pages = 20_000;
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(2.5);

    [AgentFact]
    public async Task Touching_fresh_pages_counts_a_minor_fault_per_page_under_the_touching_function()
    {
        using var workload = Workloads.Start("page_faults", "minor", Pages.ToString(CultureInfo.InvariantCulture));
        using var agent = AgentServerProcess.Start();
        var id = await Start(agent, $$"""{"sources":["memory"],"pid":{{workload.Pid}},"detached":true}""");
        await Task.Delay(TimeSpan.FromSeconds(1));

        workload.WriteLine("go");
        Assert.Equal("done", workload.ReadLine());
        await Task.Delay(Settle);

        var faults = await agent.GetJson($"/api/sessions/{id}/models/memory.faults");
        var touched = Graph.Under(faults, "touch_pages");
        Assert.True(touched >= Pages, $"{touched} faults under touch_pages: {string.Join(", ", Graph.Names(faults))}");
        Assert.Contains("[minor fault]", Graph.Names(faults));

        var row = Row(await agent.GetJson($"/api/sessions/{id}/models/memory.processes"), workload.Pid);
        Assert.True(row["minor"].GetInt64() >= Pages, Show(row));
        Assert.True(row["rss"].GetInt64() >= Pages * 4096L, $"the touched pages are resident: {Show(row)}");

        var counters = Counters(await agent.GetJson($"/api/sessions/{id}"));
        Assert.True(counters["faults.minor"] >= Pages);
        Assert.Equal(0, counters["lost.faults_full"] + counters["lost.stacks_full"] + counters["lost.other"]);
        workload.WriteLine("exit");
    }

    [AgentFact]
    public async Task Reading_a_file_dropped_from_the_page_cache_counts_its_major_faults_under_the_reader()
    {
        var directory = Directory.CreateTempSubdirectory("systemscope-major-");
        try
        {
            using var workload = Workloads.Start("page_faults", "major", Path.Combine(directory.FullName, "data"), "2000");
            using var agent = AgentServerProcess.Start();
            var id = await Start(agent, $$"""{"sources":["memory"],"pid":{{workload.Pid}},"detached":true}""");
            await Task.Delay(TimeSpan.FromSeconds(1));

            workload.WriteLine("go");
            var done = workload.ReadLine() ?? string.Empty;
            Assert.StartsWith("done majflt=", done, StringComparison.Ordinal);
            var expected = long.Parse(done["done majflt=".Length..], CultureInfo.InvariantCulture);
            Assert.True(expected > 0, "the file's pages were dropped from the cache, so reading them faults");
            await Task.Delay(Settle);

            var faults = await agent.GetJson($"/api/sessions/{id}/models/memory.faults");
            var major = Graph.Under(faults, "read_pages") - MinorUnder(faults, "read_pages");
            Assert.True(major >= expected, $"{major} major faults under read_pages, the process counted {expected}");
            var row = Row(await agent.GetJson($"/api/sessions/{id}/models/memory.processes"), workload.Pid);
            Assert.True(row["major"].GetInt64() >= expected, Show(row));

            // Major faults go to the timeline one by one (capped).
            Assert.True(Counters(await agent.GetJson($"/api/sessions/{id}"))["spans"] > 0);
            workload.WriteLine("exit");
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [AgentFact]
    public async Task A_process_over_its_cgroup_limit_is_oom_killed_and_reported_with_the_limit()
    {
        const long Limit = 64L << 20;
        using var cgroup = MemoryCgroup.Create(Limit);
        using (var workload = Workloads.Start("page_faults", "hog", "1024"))
        {
            cgroup.Move(workload.Pid);
            using var agent = AgentServerProcess.Start();
            var id = await Start(agent, $$"""{"sources":["memory"],"pid":{{workload.Pid}},"detached":true}""");
            await Task.Delay(TimeSpan.FromSeconds(1));

            workload.WriteLine("go");
            workload.WaitForExit(TimeSpan.FromSeconds(60));
            await Task.Delay(Settle);

            var ooms = await agent.GetJson($"/api/sessions/{id}/models/memory.oom");
            var row = Assert.Single(Rows(ooms));
            Assert.Equal(workload.Pid, row["pid"].GetInt32());
            Assert.Equal("cgroup", row["kind"].GetString());
            Assert.Equal(Limit, row["limit"].GetInt64());
            Assert.Equal(cgroup.CgroupPath, row["limitCgroup"].GetString());
            Assert.True(row["anon"].GetInt64() > Limit / 2, $"the victim held most of the limit: {Show(row)}");

            // Before the kill the cgroup reclaimed, in the allocating thread: stall time of the observed threads.
            var stalls = await agent.GetJson($"/api/sessions/{id}/models/memory.stalls");
            var reclaim = stalls.GetProperty("series").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "cgroup-reclaim");
            Assert.True(reclaim.GetProperty("values").EnumerateArray().Where(v => v.ValueKind == JsonValueKind.Number).Sum(v => v.GetDouble()) > 0, reclaim.ToString());

            // The process exited mid-session: the agent goes on serving it.
            Assert.True((await agent.GetJson($"/api/sessions/{id}")).GetProperty("targetExited").GetBoolean());
        }
    }

    [AgentFact]
    public async Task A_filter_that_matches_nothing_gives_empty_models_and_bad_options_are_named()
    {
        using var workload = Workloads.Start("page_faults", "loop", "500", "10");
        using var agent = AgentServerProcess.Start();
        var id = await Start(agent, """{"sources":["memory"],"filter":{"comm":"no-such-name-x"},"detached":true}""");
        await Task.Delay(TimeSpan.FromSeconds(3));

        Assert.Equal(0, (await agent.GetJson($"/api/sessions/{id}/models/memory.faults")).GetProperty("totalSamples").GetInt64());
        Assert.Empty(Rows(await agent.GetJson($"/api/sessions/{id}/models/memory.processes")));
        Assert.Empty(Rows(await agent.GetJson($"/api/sessions/{id}/models/memory.oom")));

        var range = await agent.Send(HttpMethod.Post, "/api/sessions", """{"sources":[{"id":"memory","options":{"spanCap":-1}}]}""");
        Assert.Equal(400, range.Status);
        var contradiction = await agent.Send(HttpMethod.Post, "/api/sessions", """{"sources":[{"id":"memory","options":{"majorSpans":true,"spanCap":0}}]}""");
        Assert.Equal(400, contradiction.Status);
        Assert.Contains("spanCap is 0", contradiction.Body.GetProperty("detail").GetString());
        var typo = await agent.Send(HttpMethod.Post, "/api/sessions", """{"sources":[{"id":"memory","options":{"topProcess":3}}]}""");
        Assert.Equal(400, typo.Status);
        Assert.Contains("topProcesses", typo.Body.GetProperty("detail").GetString());
        Assert.Equal("ok", (await agent.GetJson("/api/health")).GetProperty("status").GetString());
    }

    [AgentFact]
    public async Task Resident_sets_and_pressure_are_sampled_every_window()
    {
        using var workload = Workloads.Start("page_faults", "loop", "2000", "10");
        using var agent = AgentServerProcess.Start();
        var id = await Start(agent, $$"""{"sources":["memory"],"pid":{{workload.Pid}},"detached":true}""");
        await Task.Delay(TimeSpan.FromSeconds(4));

        var rss = await agent.GetJson($"/api/sessions/{id}/models/memory.rss");
        var series = rss.GetProperty("series").EnumerateArray().ToList();
        Assert.Contains(series, s => s.GetProperty("name").GetString() == $"pid:{workload.Pid}");
        var pressure = await agent.GetJson($"/api/sessions/{id}/models/memory.pressure");
        Assert.Contains(pressure.GetProperty("series").EnumerateArray(), s => s.GetProperty("name").GetString() == "some:system");
        var stalls = await agent.GetJson($"/api/sessions/{id}/models/memory.stalls");
        Assert.Contains(stalls.GetProperty("series").EnumerateArray(), s => s.GetProperty("name").GetString() == "direct-reclaim");
    }

    private static long MinorUnder(JsonElement graph, string frame)
    {
        // Faults under the frame end in their kind's leaf; counting the minor leaves below it leaves the major ones.
        var names = Graph.Names(graph);
        var frames = graph.GetProperty("nodeFrames").EnumerateArray().Select(f => f.GetInt32()).ToArray();
        var parents = graph.GetProperty("nodeParents").EnumerateArray().Select(f => f.GetInt32()).ToArray();
        var totals = graph.GetProperty("nodeTotals").EnumerateArray().Select(f => f.GetInt64()).ToArray();
        long sum = 0;
        for (var node = 1; node < frames.Length; node++)
        {
            if (names[frames[node]] != "[minor fault]")
            {
                continue;
            }

            for (var p = parents[node]; p > 0; p = parents[p])
            {
                if (names[frames[p]] == frame)
                {
                    sum += totals[node];
                    break;
                }
            }
        }

        return sum;
    }

    private static async Task<string> Start(AgentServerProcess agent, string body)
    {
        var (status, session, _) = await agent.Send(HttpMethod.Post, "/api/sessions", body);
        Assert.True(status == 201, session.ToString());
        return session.GetProperty("id").GetString()!;
    }

    private static Dictionary<string, long> Counters(JsonElement session) =>
        session.GetProperty("sources").EnumerateArray().Single(s => s.GetProperty("id").GetString() == "memory").GetProperty("counters").EnumerateArray()
            .ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("value").GetInt64());

    /// <summary>A table's rows, each keyed by column name.</summary>
    private static List<Dictionary<string, JsonElement>> Rows(JsonElement table)
    {
        var columns = table.GetProperty("columns").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToList();
        return [.. table.GetProperty("rows").EnumerateArray().Select(r => columns.Select((c, i) => (c, r[i])).ToDictionary(p => p.c, p => p.Item2))];
    }

    private static Dictionary<string, JsonElement> Row(JsonElement table, int pid) =>
        Rows(table).Single(r => r["pid"].GetInt32() == pid);

    private static string Show(Dictionary<string, JsonElement> row) => string.Join(", ", row.Select(p => $"{p.Key}={p.Value}"));
}
