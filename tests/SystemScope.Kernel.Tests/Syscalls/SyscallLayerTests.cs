using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SystemScope.Kernel.Tests.EndToEnd;
using SystemScope.Kernel.Tests.Infrastructure;

namespace SystemScope.Kernel.Tests.Syscalls;

/// <summary>The syscalls source through the published binary's API and CLI, against a workload that makes a known number of calls.</summary>
[Collection(KernelCollection.Name)]
public sealed class SyscallLayerTests
{
    private const int Getppids = 200_000;
    private const int Sleeps = 3_000;
    private const int Missing = 500;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [AgentFact]
    public async Task Counts_errors_and_latency_per_syscall_are_exact_for_a_known_workload()
    {
        using var workload = Workloads.Start("syscall_truth", Getppids.ToString(CultureInfo.InvariantCulture), Sleeps.ToString(CultureInfo.InvariantCulture), Missing.ToString(CultureInfo.InvariantCulture));
        using var agent = AgentServerProcess.Start();
        var id = await Start(agent, $$$"""{"sources":[{"id":"syscalls","options":{"slowUs":20000}}],"pid":{{{workload.Pid}}},"detached":true}""");

        workload.WriteLine("go");
        Assert.Equal("done", workload.ReadLine());
        var rows = await RowsOnce(agent, id, r => Count(r, "getppid") >= Getppids && Count(r, "nanosleep") >= Sleeps && Count(r, "openat") >= Missing);

        // A window later nothing more may have arrived: the counts are exact, not at least.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        rows = await Rows(agent, id);
        Assert.Equal(Getppids, Count(rows, "getppid"));
        Assert.Equal(Sleeps, Count(rows, "nanosleep"));
        var sleep = Row(rows, "nanosleep");
        Assert.InRange(sleep.GetProperty("p50_ns").GetInt64(), 1_000_000, 2_000_000);
        Assert.True(sleep.GetProperty("max_ns").GetInt64() >= sleep.GetProperty("p99_ns").GetInt64());
        Assert.Equal(0, sleep.GetProperty("errors").GetInt64());

        var open = Row(rows, "openat");
        Assert.Equal(Missing, open.GetProperty("count").GetInt64());
        Assert.Equal(Missing, open.GetProperty("errors").GetInt64());
        Assert.Equal($"ENOENT {Missing}", open.GetProperty("errnos").GetString());
        Assert.All(rows, r => Assert.Equal(workload.Pid, r.GetProperty("pid").GetInt32()));
        Assert.All(rows, r => Assert.Equal("syscall_truth", r.GetProperty("comm").GetString()));

        // The histograms agree with the table.
        var latency = await agent.GetJson($"/api/sessions/{id}/models/syscalls.latency");
        var getppid = latency.GetProperty("groups").EnumerateArray().Single(g => g.GetProperty("key").GetString() == "syscall:getppid");
        Assert.Equal(Getppids, getppid.GetProperty("count").GetInt64());

        // The one slow call (a 50 ms read of a pipe; slowUs is 20 ms) is on the thread's timeline with
        // what its fd is and the function that made it, and "where did the time go" names it.
        var summary = await agent.GetJson($"/api/sessions/{id}/models/threads.timeline");
        var end = summary.GetProperty("end").GetInt64();
        var window = await agent.GetJson($"/api/sessions/{id}/models/threads.timeline?t0=0&t1={end}&px=2000&tracks=t{workload.Pid}");
        var strings = window.GetProperty("strings").EnumerateArray().Select(s => s.GetString()!).ToList();
        var spans = window.GetProperty("tracks")[0].GetProperty("spans").EnumerateArray().Select(s => s.EnumerateArray().Select(v => v.GetInt64()).ToArray()).ToList();
        var read = Assert.Single(spans, s => strings[(int)s[3]].StartsWith("read fd ", StringComparison.Ordinal));
        Assert.Equal("syscall", strings[(int)read[2]]);
        Assert.Contains("pipe:[", strings[(int)read[3]], StringComparison.Ordinal);
        Assert.InRange(read[1], 40_000_000, 1_000_000_000);
        Assert.DoesNotContain(spans, s => strings[(int)s[3]].StartsWith("getppid", StringComparison.Ordinal));
        var details = await agent.GetJson($"/api/sessions/{id}/models/threads.timeline?track=t{workload.Pid}&at={read[0] + (read[1] / 2)}&lane=spans");
        // Frame pointers from glibc's syscall() (which keeps none) skip its caller: main is what they reach.
        var frames = details.GetProperty("stack").EnumerateArray().Select(f => f.GetProperty("name").GetString()).ToList();
        Assert.True(frames.Contains("main") || frames.Contains("slow_pipe_read"), string.Join(";", frames));
        var breakdown = await agent.GetJson($"/api/sessions/{id}/models/threads.breakdown?tid={workload.Pid}");
        Assert.Contains(breakdown.GetProperty("threads")[0].GetProperty("topReasons").EnumerateArray(), r => r.GetProperty("reason").GetString()!.StartsWith("in read fd ", StringComparison.Ordinal));

        workload.WriteLine("exit");
    }

    [AgentFact]
    public async Task Counts_and_times_agree_with_libbpf_tools_syscount_run_at_the_same_time()
    {
        using var workload = Workloads.Start("syscall_truth", "20000", "300", "50");
        TracingFs.EnsureMounted(); // syscount attaches classic tracepoints by their tracefs ids
        using var agent = AgentServerProcess.Start();
        var id = await Start(agent, $$"""{"sources":["syscalls"],"pid":{{workload.Pid}},"detached":true}""");
        var syscount = Process.Start(new ProcessStartInfo("syscount", ["-L", "-p", workload.Pid.ToString(CultureInfo.InvariantCulture), "-d", "6"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var output = syscount.StandardOutput.ReadToEndAsync();
        await Task.Delay(TimeSpan.FromSeconds(2)); // syscount loads and attaches

        workload.WriteLine("go");
        Assert.Equal("done", workload.ReadLine());
        Assert.True(syscount.WaitForExit(Patience), "syscount did not stop");
        var rows = await RowsOnce(agent, id, r => Count(r, "getppid") >= 20000 && Count(r, "nanosleep") >= 300);
        workload.WriteLine("exit");

        // "getppid   20000   750.349": name, count, total µs.
        var reference = (await output).Split('\n')
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length == 3 && long.TryParse(f[1], out _))
            .ToDictionary(f => f[0], f => (Count: long.Parse(f[1], CultureInfo.InvariantCulture), Us: double.Parse(f[2], CultureInfo.InvariantCulture)));
        foreach (var name in new[] { "getppid", "nanosleep", "openat" })
        {
            Assert.Equal(reference[name].Count, Count(rows, name));
        }

        // Both time the same 300 sleeps from entry to exit.
        var ours = Row(rows, "nanosleep").GetProperty("total_ns").GetInt64() / 1000.0;
        Assert.InRange(ours / reference["nanosleep"].Us, 0.95, 1.05);
    }

    [AgentFact]
    public async Task On_a_machine_without_tracefs_mounted_the_agent_mounts_it_says_so_and_names_what_an_fd_is()
    {
        TracingFs.Unmount();
        using var workload = Workloads.Start("syscall_truth", "10", "1", "1");
        using var agent = AgentServerProcess.Start();
        var id = await Start(agent, $$$"""{"sources":[{"id":"syscalls","options":{"slowUs":20000}}],"pid":{{{workload.Pid}}},"detached":true}""");
        workload.WriteLine("go");
        Assert.Equal("done", workload.ReadLine());

        var session = await agent.GetJson($"/api/sessions/{id}");
        var mechanisms = session.GetProperty("sources").EnumerateArray().Single(s => s.GetProperty("id").GetString() == "syscalls")
            .GetProperty("mechanisms").EnumerateArray().Select(m => m.GetString()!).ToList();
        // With debugfs mounted, tracefs is reachable below it and nothing needs mounting.
        Assert.Contains(Directory.Exists("/sys/kernel/debug/tracing/events") ? "tracefs: /sys/kernel/debug/tracing" : "tracefs: mounted at /sys/kernel/tracing by the agent (it was not mounted)", mechanisms);

        var clock = Stopwatch.StartNew();
        while (true)
        {
            // The thread's track exists once its first span has arrived.
            var summary = await agent.GetJson($"/api/sessions/{id}/models/threads.timeline");
            var (status, window, _) = await agent.Send(HttpMethod.Get, $"/api/sessions/{id}/models/threads.timeline?t0=0&t1={summary.GetProperty("end").GetInt64() + 1}&px=2000&tracks=t{workload.Pid}");
            var strings = status == 200 ? window.GetProperty("strings").EnumerateArray().Select(s => s.GetString()!).ToList() : [];
            if (strings.Any(s => s.StartsWith("read fd ", StringComparison.Ordinal) && s.Contains("pipe:[", StringComparison.Ordinal)))
            {
                break;
            }

            Assert.True(clock.Elapsed < Patience, "no slow read with its fd on the timeline: " + string.Join(", ", strings));
            await Task.Delay(250);
        }

        workload.WriteLine("exit");
    }

    [AgentFact]
    public async Task A_syscall_name_the_kernel_does_not_have_is_refused_with_the_closest_one()
    {
        using var agent = AgentServerProcess.Start();
        var (status, body, _) = await agent.Send(HttpMethod.Post, "/api/sessions", """{"sources":[{"id":"syscalls","options":{"syscalls":["getppid","reed"]}}]}""");
        Assert.Equal(400, status);
        Assert.Contains("there is no syscall 'reed' (did you mean read?)", body.GetProperty("detail").GetString(), StringComparison.Ordinal);

        (status, body, _) = await agent.Send(HttpMethod.Post, "/api/sessions", """{"sources":[{"id":"syscalls","options":{"slowUs":-1}}]}""");
        Assert.Equal(400, status);
        Assert.Contains("slowUs", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [AgentFact]
    public async Task Only_the_syscalls_asked_for_are_measured_and_a_filter_that_matches_nothing_gives_an_empty_table()
    {
        using var workload = Workloads.Start("syscall_truth", "1000", "10", "5");
        using var agent = AgentServerProcess.Start();
        var only = await Start(agent, $$$"""{"sources":[{"id":"syscalls","options":{"syscalls":["getppid"]}}],"pid":{{{workload.Pid}}},"detached":true}""");
        var nobody = await Start(agent, """{"sources":["syscalls"],"filter":{"comm":"no-such-process"},"detached":true}""");

        workload.WriteLine("go");
        Assert.Equal("done", workload.ReadLine());
        var rows = await RowsOnce(agent, only, r => Count(r, "getppid") >= 1000);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        rows = await Rows(agent, only);
        Assert.Equal(["getppid"], rows.Select(r => r.GetProperty("name").GetString()).Distinct());
        Assert.Equal(1000, Count(rows, "getppid"));

        Assert.Empty(await Rows(agent, nobody));
        workload.WriteLine("exit");
    }

    [AgentFact]
    public void Record_syscalls_without_optional_flags_prints_one_row_per_process_and_syscall_as_json_and_as_a_table()
    {
        using var workload = Workloads.Start("syscall_truth", "5000", "20", "3");
        using var recording = AgentBinary.StartBackground("record", "syscalls", "--pid", workload.Pid.ToString(CultureInfo.InvariantCulture), "--duration", "4", "--format", "json");
        recording.WaitForStderr("Recording syscalls", Patience);
        workload.WriteLine("go");
        Assert.Equal("done", workload.ReadLine());
        var exit = recording.WaitForExit(Patience);
        workload.WriteLine("exit");

        Assert.True(exit == 0, recording.ToString());
        using var document = JsonDocument.Parse(recording.Stdout);
        var rows = document.RootElement.GetProperty("syscalls.top").GetProperty("rows").EnumerateArray().ToList();
        var getppid = rows.Single(r => r.GetProperty("name").GetString() == "getppid");
        foreach (var field in new[] { "pid", "comm", "name", "count", "errors", "total_ns", "p50_ns", "p99_ns", "max_ns" })
        {
            Assert.True(getppid.TryGetProperty(field, out _), $"row without {field}: {getppid}");
        }

        Assert.Equal(5000, getppid.GetProperty("count").GetInt64());
        Assert.Equal(3, rows.Single(r => r.GetProperty("name").GetString() == "openat").GetProperty("errors").GetInt64());

        var table = AgentBinary.Run(Patience, "record", "syscalls", "--duration", "1", "--format", "table");
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.StartsWith("# syscalls.top: Syscalls by total time (ns)", table.Stdout, StringComparison.Ordinal);
        Assert.Contains("99th percentile (ns)", table.Stdout, StringComparison.Ordinal);
    }

    private static long Count(IReadOnlyList<JsonElement> rows, string name) =>
        rows.Where(r => r.GetProperty("name").GetString() == name).Sum(r => r.GetProperty("count").GetInt64());

    private static JsonElement Row(IReadOnlyList<JsonElement> rows, string name) =>
        rows.Single(r => r.GetProperty("name").GetString() == name);

    private static async Task<string> Start(AgentServerProcess agent, string body)
    {
        var (status, session, _) = await agent.Send(HttpMethod.Post, "/api/sessions", body);
        Assert.True(status == 201, session.ToString());
        return session.GetProperty("id").GetString()!;
    }

    /// <summary>The top table's rows as objects keyed by column name.</summary>
    private static async Task<IReadOnlyList<JsonElement>> Rows(AgentServerProcess agent, string id)
    {
        var table = await agent.GetJson($"/api/sessions/{id}/models/syscalls.top");
        var columns = table.GetProperty("columns").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToList();
        return [.. table.GetProperty("rows").EnumerateArray().Select(row =>
        {
            var values = row.EnumerateArray().ToList();
            var json = "{" + string.Join(',', columns.Select((c, i) => $"\"{c}\":{values[i].GetRawText()}")) + "}";
            return JsonDocument.Parse(json).RootElement;
        })];
    }

    private static async Task<IReadOnlyList<JsonElement>> RowsOnce(AgentServerProcess agent, string id, Func<IReadOnlyList<JsonElement>, bool> done)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var rows = await Rows(agent, id);
            if (done(rows))
            {
                return rows;
            }

            Assert.True(clock.Elapsed < Patience, "the table did not reach the workload's calls: " + string.Join("; ", rows.Select(r => r.ToString())));
            await Task.Delay(250);
        }
    }
}
