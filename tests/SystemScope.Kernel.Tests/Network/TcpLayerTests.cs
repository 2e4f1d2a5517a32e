using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SystemScope.Kernel.Tests.EndToEnd;
using SystemScope.Kernel.Tests.Infrastructure;

namespace SystemScope.Kernel.Tests.Network;

/// <summary>
/// The TCP source through the published binary, against loopback workloads with known truth
/// (tests/workloads/tcp_load.c: a client and a server thread in one process).
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class TcpLayerTests
{
    private const long MiB = 1 << 20;
    private const long KiB64 = 64 << 10;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [AgentFact]
    public void Record_tcp_without_options_shows_the_client_sending_1_MiB_and_receiving_64_KiB_exactly()
    {
        // The client connects once the recording is attached.
        using var workload = Workloads.Start("tcp_load", "transfer", "-1", MiB.ToString(CultureInfo.InvariantCulture), KiB64.ToString(CultureInfo.InvariantCulture));
        var port = int.Parse(workload.Info("port"), CultureInfo.InvariantCulture);

        var result = RecordWhile(() => workload.WriteLine("go"), "record", "tcp", "--duration", "5", "--format", "json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var document = JsonDocument.Parse(result.Stdout);
        var connections = Rows(document.RootElement.GetProperty("tcp.connections"));
        var client = Assert.Single(connections, r => r.Long("pid") == workload.Pid && r.Long("dport") == port);
        Assert.Equal(MiB, client.Long("bytes_sent"));
        Assert.Equal(KiB64, client.Long("bytes_received"));
        Assert.Equal("CLOSE", client.String("state"));
        Assert.Equal("active", client.String("side"));
        Assert.Equal("127.0.0.1", client.String("daddr"));
        Assert.True(client.Long("duration_ns") > 0, client.ToString());

        // The accepted side: owned by the same process (its first call), the mirror image of the client.
        var server = Assert.Single(connections, r => r.Long("pid") == workload.Pid && r.Long("sport") == port);
        Assert.Equal(KiB64, server.Long("bytes_sent"));
        Assert.Equal(MiB, server.Long("bytes_received"));
        Assert.Equal("passive", server.String("side"));

        var process = Assert.Single(Rows(document.RootElement.GetProperty("tcp.processes")), r => r.Long("pid") == workload.Pid);
        Assert.Equal(2, process.Long("connections"));
        Assert.Equal(MiB + KiB64, process.Long("bytes_sent"));
        Assert.NotEmpty(document.RootElement.GetProperty("tcp.throughput").GetProperty("series").EnumerateArray());
    }

    [AgentFact]
    public async Task A_session_on_the_process_counts_its_bytes_exactly_and_agrees_with_tcplife()
    {
        // The client connects once the session is attached (the workload waits for "go").
        using var workload = Workloads.Start("tcp_load", "transfer", "-1", MiB.ToString(CultureInfo.InvariantCulture), KiB64.ToString(CultureInfo.InvariantCulture));
        var port = int.Parse(workload.Info("port"), CultureInfo.InvariantCulture);
        TracingFs.EnsureMounted(); // tcplife attaches a classic tracepoint by its tracefs id
        using var tcplife = new BackgroundRun("/usr/sbin/tcplife", ["-p", workload.Pid.ToString(CultureInfo.InvariantCulture)]);
        using var agent = AgentServerProcess.Start();
        var id = await StartSession(agent, workload.Pid);
        await Task.Delay(TimeSpan.FromSeconds(2)); // tcplife attached too
        workload.WriteLine("go");
        Assert.Equal("done", workload.ReadLine());
        Assert.Equal(0, workload.WaitForExit(Patience));
        await Task.Delay(TimeSpan.FromSeconds(2.5));

        var connections = Rows(await agent.GetJson($"/api/sessions/{id}/models/tcp.connections"));
        Assert.Equal(2, connections.Count);
        var client = Assert.Single(connections, r => r.Long("dport") == port);
        Assert.Equal(MiB, client.Long("bytes_sent"));
        Assert.Equal(KiB64, client.Long("bytes_received"));
        var server = Assert.Single(connections, r => r.Long("sport") == port);
        Assert.Equal("passive", server.String("side"));
        Assert.Equal(workload.Pid, server.Long("pid"));

        // Throughput over the windows adds up to every byte both sides sent.
        var throughput = await agent.GetJson($"/api/sessions/{id}/models/tcp.throughput");
        Assert.Equal(MiB + KiB64, Math.Round(SeriesTotal(throughput, "sent")));
        Assert.Equal(MiB + KiB64, Math.Round(SeriesTotal(throughput, "received")));

        var counters = (await agent.GetJson($"/api/sessions/{id}")).GetProperty("sources").EnumerateArray().Single(s => s.GetProperty("id").GetString() == "tcp")
            .GetProperty("counters").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("value").GetInt64());
        Assert.Equal(2, counters["connections.closed"]);
        Assert.Equal(2, counters["timeline.spans"]);
        Assert.Equal(0, counters["lost.conns_full"]);

        // tcplife sees the same two connections with the same KiB (it prints whole KiB).
        tcplife.Interrupt();
        tcplife.WaitForExit(Patience);
        var lines = tcplife.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToList();
        var reference = Assert.Single(lines, l => l[5] == port.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(client.Long("bytes_sent") / 1024.0, double.Parse(reference[6], CultureInfo.InvariantCulture), 2);
        Assert.Equal(client.Long("bytes_received") / 1024.0, double.Parse(reference[7], CultureInfo.InvariantCulture), 2);
    }

    [AgentFact]
    public void A_listener_with_backlog_1_that_never_accepts_overflows()
    {
        using var workload = Workloads.Start("tcp_load", "backlog", "-1", "64");

        var result = RecordWhile(() => workload.WriteLine("go"), "record", "tcp", "--pid", workload.Pid.ToString(CultureInfo.InvariantCulture), "--duration", "5", "--format", "json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var document = JsonDocument.Parse(result.Stdout);
        var listen = document.RootElement.GetProperty("tcp.listen");
        Assert.True(SeriesTotal(listen, "overflows") > 0, listen.ToString());
        Assert.True(SeriesTotal(listen, "drops") > 0, listen.ToString());
    }

    [AgentFact]
    public async Task An_aborted_connection_counts_a_reset_on_each_side()
    {
        using var workload = Workloads.Start("tcp_load", "abort", "-1");
        var port = int.Parse(workload.Info("port"), CultureInfo.InvariantCulture);
        using var agent = AgentServerProcess.Start();
        var id = await StartSession(agent, workload.Pid);
        workload.WriteLine("go");
        Assert.Equal("done", workload.ReadLine());
        await Task.Delay(TimeSpan.FromSeconds(2.5));

        var connections = Rows(await agent.GetJson($"/api/sessions/{id}/models/tcp.connections"));
        var client = Assert.Single(connections, r => r.Long("dport") == port);
        var server = Assert.Single(connections, r => r.Long("sport") == port);
        Assert.Equal(1, client.Long("resets"));
        Assert.Equal(1, server.Long("resets"));
        Assert.Equal(1000, client.Long("bytes_sent"));
        var events = await agent.GetJson($"/api/sessions/{id}/models/tcp.events");
        Assert.Equal(1, Math.Round(SeriesTotal(events, "resets_sent")));
        Assert.Equal(1, Math.Round(SeriesTotal(events, "resets_received")));
    }

    [AgentFact]
    public void Record_tcp_prints_a_table_and_a_filter_that_matches_nothing_prints_empty_tables()
    {
        // A process with no socket.
        using var quiet = Process.Start("sleep", "30")!;

        var table = AgentBinary.Run(Patience, "record", "tcp", "--pid", quiet.Id.ToString(CultureInfo.InvariantCulture), "--duration", "2", "--format", "table");
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("# tcp.connections: TCP connections", table.Stdout);

        var json = AgentBinary.Run(Patience, "record", "tcp", "--pid", quiet.Id.ToString(CultureInfo.InvariantCulture), "--duration", "2", "--format", "json");
        Assert.True(json.ExitCode == 0, json.ToString());
        using var document = JsonDocument.Parse(json.Stdout);
        Assert.Empty(Rows(document.RootElement.GetProperty("tcp.connections")));
    }

    [AgentFact]
    public void Bad_options_are_refused_with_what_is_valid()
    {
        var port = AgentBinary.Run(Patience, "record", "tcp", "--port", "70000", "--duration", "1");
        Assert.Equal(2, port.ExitCode);
        Assert.Contains("port", port.Stderr);
        Assert.Contains("0 to 65535", port.Stderr);

        var family = AgentBinary.Run(Patience, "record", "tcp", "--families", "ipx", "--duration", "1");
        Assert.Equal(2, family.ExitCode);
        Assert.Contains("ipv4, ipv6", family.Stderr);

        var cap = AgentBinary.Run(Patience, "record", "tcp", "--timeline", "reset", "--timeline-cap", "0", "--duration", "1");
        Assert.Equal(2, cap.ExitCode);
        Assert.Contains("timelineCap 0", cap.Stderr);
    }

    /// <summary>Runs the binary; once it says it is recording (its sources attached), runs <paramref name="attached"/>.</summary>
    private static CliResult RecordWhile(Action attached, params string[] args)
    {
        var start = new ProcessStartInfo(AgentBinary.Path) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = new System.Text.StringBuilder();
        while (process.StandardError.ReadLine() is { } line)
        {
            stderr.AppendLine(line);
            if (line.StartsWith("Recording", StringComparison.Ordinal))
            {
                attached();
                break;
            }
        }

        stderr.Append(process.StandardError.ReadToEnd());
        if (!process.WaitForExit(Patience))
        {
            process.Kill(entireProcessTree: true);
        }

        process.WaitForExit();
        return new CliResult(process.ExitCode, stdout.Result, stderr.ToString());
    }

    private static async Task<string> StartSession(AgentServerProcess agent, int pid)
    {
        var (status, session, _) = await agent.Send(HttpMethod.Post, "/api/sessions", $$"""{"sources":["tcp"],"pid":{{pid}},"detached":true}""");
        Assert.True(status == 201, session.ToString());
        return session.GetProperty("id").GetString()!;
    }

    private static double SeriesTotal(JsonElement series, string name)
    {
        var starts = series.GetProperty("starts").EnumerateArray().Select(s => s.GetInt64()).ToList();
        var ends = series.GetProperty("ends").EnumerateArray().Select(s => s.GetInt64()).ToList();
        var values = series.GetProperty("series").EnumerateArray().Single(s => s.GetProperty("name").GetString() == name).GetProperty("values").EnumerateArray().ToList();
        double total = 0;
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i].ValueKind == JsonValueKind.Number)
            {
                total += values[i].GetDouble() * (ends[i] - starts[i]) / 1e9;
            }
        }

        return total;
    }

    private static List<Row> Rows(JsonElement table)
    {
        var columns = table.GetProperty("columns").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToList();
        return [.. table.GetProperty("rows").EnumerateArray().Select(r => new Row(columns, r))];
    }

    /// <summary>A table row as the API gives it (values by column position) or as <c>record --format json</c> does (an object by column name).</summary>
    private sealed record Row(List<string> Columns, JsonElement Values)
    {
        public long Long(string column) => Value(column).GetInt64();

        public string String(string column) => Value(column).GetString()!;

        private JsonElement Value(string column) =>
            Values.ValueKind == JsonValueKind.Object ? Values.GetProperty(column) : Values[Columns.IndexOf(column)];

        public override string ToString() => Values.ToString();
    }
}
