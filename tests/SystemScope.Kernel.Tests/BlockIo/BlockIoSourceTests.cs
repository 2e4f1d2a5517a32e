using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using SystemScope.Core.Events.BlockIo;
using SystemScope.Core.Sessions;
using SystemScope.Kernel.Tests.Infrastructure;
using SystemScope.Sources.BlockIo;

namespace SystemScope.Kernel.Tests.BlockIo;

/// <summary>The block I/O source in a real session, against direct writes of a known size to the real disk.</summary>
[Collection(KernelCollection.Name)]
public sealed partial class BlockIoSourceTests
{
    private const int MiB = 1 << 20;

    [KernelFact]
    public void Direct_writes_are_attributed_to_the_writer_not_a_kworker_and_slow_ones_stream_on_its_thread_with_stacks()
    {
        using var writer = Workloads.Start("direct_writer", TestDisk.Directory, "64");
        var device = TestDisk.NameOf(writer.Info("dev"));
        var tid = int.Parse(writer.Info("tid"), CultureInfo.InvariantCulture);
        using var session = BlockIoSession.Start(new Dictionary<string, string> { ["slowMs"] = "0.01", ["slowCap"] = "100000", ["stacks"] = "true" });
        session.WaitForWindows(1);

        writer.WriteLine("go");
        Assert.Equal("done bytes=67108864", writer.ReadLine());
        session.WaitForWindows(2);

        // Every byte, on the device that holds the file, to the writer's pid (its completions ran in interrupts).
        Assert.InRange(session.Bytes(writer.Pid, BlockIoOp.Write, device), 64L * MiB, 65L * MiB);
        var rows = session.Stats.Where(e => e.Header.Pid == writer.Pid && e.Payload.Op == BlockIoOp.Write).ToList();
        Assert.All(rows, r => Assert.Equal("direct_writer", r.Payload.ProcessName));
        var requests = rows.Sum(r => r.Payload.Count);
        Assert.True(requests >= TestDisk.FewestRequests(device, 64 * MiB), $"{requests} write requests for 64 writes of 1 MiB");
        Assert.True(rows.Sum(r => r.Payload.Service.SumNs) > 0 && rows.Sum(r => r.Payload.Total.SumNs) >= rows.Sum(r => r.Payload.Service.SumNs));

        // Each request over 10 µs (all of them) is a span on the writing thread, with the submitter's stacks.
        var spans = session.Spans.Where(s => s.Header.Pid == writer.Pid && s.Payload.Name == "write").ToList();
        Assert.Equal(requests, spans.Count);
        Assert.All(spans, s =>
        {
            Assert.Equal(tid, s.Header.Tid);
            Assert.Equal("blockio", s.Payload.Category);
            Assert.Equal(device, s.Payload.Device);
            Assert.Matches(SpanDetail(), s.Payload.Detail);
            Assert.True(s.Header.DurationNs >= 10_000);
        });
        Assert.True(spans.Count(s => !s.Payload.UserStack.IsEmpty && !s.Payload.KernelStack.IsEmpty) >= spans.Count * 9 / 10, "the submitter's stacks, taken at submission");
        var counters = session.Counters();
        Assert.Equal(0, counters["lost.inflight_full"] + counters["lost.stats_full"] + counters["lost.records"]);
    }

    [KernelFact]
    public void A_process_that_exits_mid_session_keeps_its_requests()
    {
        using var writer = Workloads.Start("direct_writer", TestDisk.Directory, "8", "exit");
        var device = TestDisk.NameOf(writer.Info("dev"));
        using var session = BlockIoSession.Start();
        session.WaitForWindows(1);

        writer.WriteLine("go");
        writer.WaitForExit(EventRecorder.Patience);
        session.WaitForWindows(2);

        Assert.InRange(session.Bytes(writer.Pid, BlockIoOp.Write, device), 8L * MiB, 9L * MiB);
        Assert.Equal(SessionState.Running, session.Session.State);
    }

    [KernelFact]
    public void The_devices_option_keeps_the_named_device_and_drops_the_others()
    {
        var devices = new BlockDevices().Scan();
        using (var writer = Workloads.Start("direct_writer", TestDisk.Directory, "4", "exit"))
        {
            var device = TestDisk.NameOf(writer.Info("dev"));
            var other = devices.First(d => !d.Name.StartsWith(device, StringComparison.Ordinal) && !device.StartsWith(d.Name, StringComparison.Ordinal)).Name;
            using var session = BlockIoSession.Start(new Dictionary<string, string> { ["devices"] = other });
            session.WaitForWindows(1);
            writer.WriteLine("go");
            writer.WaitForExit(EventRecorder.Patience);
            session.WaitForWindows(2);
            Assert.DoesNotContain(session.Stats, e => e.Payload.Device != other);
        }

        using (var writer = Workloads.Start("direct_writer", TestDisk.Directory, "4", "exit"))
        {
            var device = TestDisk.NameOf(writer.Info("dev"));
            using var session = BlockIoSession.Start(new Dictionary<string, string> { ["devices"] = device });
            session.WaitForWindows(1);
            writer.WriteLine("go");
            writer.WaitForExit(EventRecorder.Patience);
            session.WaitForWindows(2);
            Assert.InRange(session.Bytes(writer.Pid, BlockIoOp.Write, device), 4L * MiB, 5L * MiB);
            Assert.All(session.Stats, e => Assert.Equal(device, e.Payload.Device));
        }
    }

    [KernelFact]
    public void A_filter_that_matches_nothing_gives_no_requests_and_no_error()
    {
        using var idle = Workloads.Start("direct_writer", TestDisk.Directory, "1");
        using var writer = Workloads.Start("direct_writer", TestDisk.Directory, "4", "exit");
        using var session = BlockIoSession.Start(filter: ProcessFilter.ForPid(idle.Pid));
        session.WaitForWindows(1);

        writer.WriteLine("go");
        writer.WaitForExit(EventRecorder.Patience);
        session.WaitForWindows(2);

        Assert.Empty(session.Stats);
        Assert.Empty(session.Spans);
    }

    [KernelFact]
    public void The_latency_distribution_matches_biolatency_measured_at_the_same_time()
    {
        using var writer = Workloads.Start("direct_writer", TestDisk.Directory, "64");
        var device = TestDisk.NameOf(writer.Info("dev"));
        var disk = new BlockDevices().Scan().Where(d => !d.IsPartition && device.StartsWith(d.Name, StringComparison.Ordinal)).MaxBy(d => d.Name.Length)!.Name;
        using var session = BlockIoSession.Start(new Dictionary<string, string> { ["devices"] = device });
        using var biolatency = Process.Start(new ProcessStartInfo("biolatency", ["-Q", "-d", disk, "6", "1"]) { RedirectStandardOutput = true, RedirectStandardError = true })
            ?? throw new InvalidOperationException("biolatency (libbpf-tools) could not be started");
        var reference = biolatency.StandardOutput.ReadToEndAsync();
        Thread.Sleep(TimeSpan.FromSeconds(2)); // biolatency attaches
        writer.WriteLine("go");
        Assert.Equal("done bytes=67108864", writer.ReadLine());
        Assert.True(biolatency.WaitForExit(TimeSpan.FromSeconds(30)), "biolatency did not finish");
        session.WaitForWindows(2);

        var theirs = new long[64];
        foreach (Match line in BiolatencyLine().Matches(reference.Result))
        {
            var low = long.Parse(line.Groups[1].Value, CultureInfo.InvariantCulture);
            theirs[low == 0 ? 0 : 64 - (int)long.LeadingZeroCount(low)] += long.Parse(line.Groups[2].Value, CultureInfo.InvariantCulture);
        }

        var ours = new long[64];
        foreach (var e in session.Stats)
        {
            var buckets = e.Payload.Total.Buckets.Span;
            for (var i = 0; i < buckets.Length; i++)
            {
                ours[i] += buckets[i];
            }
        }

        var fewest = TestDisk.FewestRequests(device, 64 * MiB);
        Assert.True(theirs.Sum() >= fewest, $"biolatency saw {theirs.Sum()} requests:\n{reference.Result}");
        Assert.True(ours.Sum() >= fewest, $"blockio saw {ours.Sum()} requests");
        // Both measure insert (or issue) → completion on the same disk over nearly the same seconds.
        Assert.InRange(MedianBucket(ours) - MedianBucket(theirs), -1, 1);
    }

    private static int MedianBucket(long[] buckets)
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

        return 0;
    }

    [GeneratedRegex(@"^\S+, queue [\d.]+ (ns|µs|ms|s) \+ device [\d.]+ (ns|µs|ms|s), [\d.]+ (B|KiB|MiB|GiB) at sector \d+$")]
    private static partial Regex SpanDetail();

    [GeneratedRegex(@"^\s*(\d+) -> \d+\s*: (\d+)", RegexOptions.Multiline)]
    private static partial Regex BiolatencyLine();
}
