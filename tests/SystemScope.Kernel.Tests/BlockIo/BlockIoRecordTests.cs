using System.Globalization;
using System.Text.Json;
using SystemScope.Kernel.Tests.EndToEnd;
using SystemScope.Kernel.Tests.Infrastructure;

namespace SystemScope.Kernel.Tests.BlockIo;

/// <summary><c>systemscope record blockio</c>: the published binary against direct writes of a known size.</summary>
[Collection(KernelCollection.Name)]
public sealed class BlockIoRecordTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [AgentFact]
    public void Record_blockio_without_options_prints_the_writer_per_device_and_operation()
    {
        using var writer = Workloads.Start("direct_writer", TestDisk.Directory, "64");
        var device = TestDisk.NameOf(writer.Info("dev"));

        using var run = AgentBinary.StartBackground("record", "blockio", "--duration", "120");
        run.WaitForStderr("Recording", Patience);
        writer.WriteLine("go");
        Assert.Equal("done bytes=67108864", writer.ReadLine());

        // Direct writes have completed when write returns: stop now, however long the writes took under load.
        run.Interrupt();
        Assert.Equal(0, run.WaitForExit(Patience));

        // The primary table, as a table.
        Assert.Contains("# blockio.requests: Block requests per device, process and operation", run.Stdout);
        var line = run.Stdout.Split('\n').FirstOrDefault(l => l.Contains(" direct_writer ", StringComparison.Ordinal) && l.Contains(" write ", StringComparison.Ordinal));
        Assert.True(line is not null, run.ToString());
        Assert.StartsWith(device + " ", line);
        Assert.Contains(writer.Pid.ToString(CultureInfo.InvariantCulture), line);
    }

    [AgentFact]
    public void Record_blockio_as_json_has_rows_with_bytes_and_the_latency_split()
    {
        using var writer = Workloads.Start("direct_writer", TestDisk.Directory, "64");
        var device = TestDisk.NameOf(writer.Info("dev"));

        using var run = AgentBinary.StartBackground("record", "blockio", "--duration", "120", "--format", "json");
        run.WaitForStderr("Recording", Patience);
        writer.WriteLine("go");
        Assert.Equal("done bytes=67108864", writer.ReadLine());
        run.Interrupt();
        Assert.Equal(0, run.WaitForExit(Patience));

        using var document = JsonDocument.Parse(run.Stdout);
        var table = document.RootElement.GetProperty("blockio.requests");
        var columns = table.GetProperty("columns").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToList();
        var rows = table.GetProperty("rows").EnumerateArray().Select(r => r.EnumerateObject().ToDictionary(p => p.Name, p => p.Value)).ToList();
        Assert.Equal(columns, rows[0].Keys);
        var row = rows.Single(r => r["pid"].GetInt32() == writer.Pid && r["op"].GetString() == "write");
        Assert.Equal(device, row["device"].GetString());
        Assert.Equal("direct_writer", row["comm"].GetString());
        // The block layer merges adjacent direct writes up to the device's largest request.
        Assert.True(row["count"].GetInt64() >= TestDisk.FewestRequests(device, 64L << 20), row["count"].ToString());
        Assert.InRange(row["bytes"].GetInt64(), 64L << 20, 65L << 20);
        foreach (var figure in new[] { "p50_ns", "p99_ns", "max_ns", "device_p50_ns", "device_p99_ns", "device_max_ns" })
        {
            Assert.True(row[figure].GetInt64() > 0, $"{figure} {row[figure]}");
        }

        Assert.True(row["queue_p50_ns"].GetInt64() >= 0 && row["p99_ns"].GetInt64() <= row["max_ns"].GetInt64());
        Assert.Equal("log2", document.RootElement.GetProperty("blockio.latency.heatmap").GetProperty("scale").GetString());
        Assert.Contains(document.RootElement.GetProperty("blockio.latency").GetProperty("groups").EnumerateArray(), g => g.GetProperty("key").GetString() == "dev:" + device + ":device");
        Assert.Contains(document.RootElement.GetProperty("blockio.throughput").GetProperty("series").EnumerateArray(), s => s.GetProperty("name").GetString() == device + ".write");
    }

    [AgentFact]
    public void A_filter_that_matches_nothing_prints_an_empty_table_not_an_error()
    {
        var result = AgentBinary.Run(Patience, "record", "blockio", "--comm", "no-such-process", "--duration", "2", "--format", "json", "--model", "blockio.requests");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var document = JsonDocument.Parse(result.Stdout);
        Assert.Equal(0, document.RootElement.GetProperty("rows").GetArrayLength());
    }

    [AgentFact]
    public void An_unknown_device_or_an_impossible_threshold_is_named_with_what_is_valid()
    {
        using var writer = Workloads.Start("direct_writer", TestDisk.Directory, "1");
        var device = TestDisk.NameOf(writer.Info("dev"));

        var unknown = AgentBinary.Run(Patience, "record", "blockio", "--devices", "sdz9", "--duration", "1");
        Assert.NotEqual(0, unknown.ExitCode);
        Assert.Contains("devices: 'sdz9' is not valid", unknown.Stderr);
        Assert.Contains(device, unknown.Stderr);

        var negative = AgentBinary.Run(Patience, "record", "blockio", "--slow-ms", "-1", "--duration", "1");
        Assert.NotEqual(0, negative.ExitCode);
        Assert.Contains("slowMs: -1 is not valid", negative.Stderr);

        var mixed = AgentBinary.Run(Patience, "record", "blockio", "--devices", "all," + device, "--duration", "1");
        Assert.NotEqual(0, mixed.ExitCode);
        Assert.Contains("mixes 'all' with device names", mixed.Stderr);
    }
}
