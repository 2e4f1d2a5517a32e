using SystemScope.Kernel.Tests.Infrastructure;
using SystemScope.Sources.Dotnet;

namespace SystemScope.Kernel.Tests.Dotnet;

/// <summary>
/// The nettrace reader and the runtime event decoder against real runtime output: a live EventPipe
/// session in a .NET process started without any variable (which also records the golden file when
/// SYSTEMSCOPE_RECORD_GOLDEN=1), and the golden file recorded from .NET 10 the same way.
/// </summary>
public sealed class NettraceReaderTests
{
    public const string GoldenName = "net10-runtime-events.nettrace";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public void The_golden_trace_decodes_to_what_the_workload_did()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Dotnet", "golden", GoldenName);
        var truth = Path.ChangeExtension(path, ".waited-ms");
        using var file = File.OpenRead(path);
        var trace = DecodedTrace.Read(file, pid: 1);
        KnownTruth.Check(trace, double.Parse(File.ReadAllText(truth), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void A_cut_stream_is_a_clear_error_not_a_hang()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Dotnet", "golden", GoldenName);
        var bytes = File.ReadAllBytes(path);
        using var cut = new MemoryStream(bytes, 0, bytes.Length / 2);
        Assert.Throws<EndOfStreamException>(() => DecodedTrace.Read(cut, pid: 1));

        using var garbage = new MemoryStream("Nettrace but not really, just text"u8.ToArray());
        Assert.Throws<SystemScope.Sources.Dotnet.Nettrace.NettraceFormatException>(() => DecodedTrace.Read(garbage, pid: 1));
    }

    [KernelFact]
    public async Task A_live_session_decodes_what_the_workload_did()
    {
        using var workload = RuntimeEventsWorkload.Start();
        var target = DotnetTargets.Resolve("/proc", workload.Pid);
        Assert.True(target.Socket is not null, target.Problem);

        var record = Environment.GetEnvironmentVariable("SYSTEMSCOPE_RECORD_GOLDEN") == "1";
        var path = record
            ? Path.Combine(RepoPaths.Root, "tests", "SystemScope.Kernel.Tests", "Dotnet", "golden", GoldenName)
            : Path.Combine(Path.GetTempPath(), $"systemscope-{Environment.ProcessId}-{GoldenName}");
        var live = new DecodedTrace();
        string? ended = null;
        double waited;
        using (var copy = File.Create(path))
        {
            using var stream = await RuntimeStream.StartAsync(target, new DotnetSettings(true, true, false, 1), Timeout, copy, (_, events) =>
            {
                lock (live)
                {
                    live.Add(events);
                }
            }, (_, reason) => ended = reason);
            waited = KnownTruth.Run(workload);

            // One counter interval at least.
            Thread.Sleep(1500);
            stream.Stop(Timeout);
            Assert.Equal("stopped", ended);
        }

        try
        {
            lock (live)
            {
                KnownTruth.Check(live, waited);
            }

            // The copy is a complete nettrace file that decodes to the same.
            using var file = File.OpenRead(path);
            var again = DecodedTrace.Read(file, workload.Pid);
            Assert.Equal(live.Gcs.Count, again.Gcs.Count);
            Assert.Equal(live.Allocations.Count, again.Allocations.Count);
            Assert.Equal(live.Contentions.Count, again.Contentions.Count);
            if (record)
            {
                File.WriteAllText(Path.ChangeExtension(path, ".waited-ms"), waited.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        finally
        {
            if (!record)
            {
                File.Delete(path);
            }
        }
    }

    [KernelFact]
    public async Task A_process_that_exits_mid_session_ends_its_stream_cleanly()
    {
        using var workload = RuntimeEventsWorkload.Start();
        var target = DotnetTargets.Resolve("/proc", workload.Pid);
        using var done = new ManualResetEventSlim();
        string? ended = null;
        var gcs = 0;
        using var stream = await RuntimeStream.StartAsync(target, new DotnetSettings(true, true, false, 1), Timeout, null, (_, events) => Interlocked.Add(ref gcs, events.Gcs.Count), (_, reason) =>
        {
            ended = reason;
            done.Set();
        });
        workload.Do("gc 2", "collected");
        workload.End();

        Assert.True(done.Wait(Timeout), "the stream did not end after the process exited");
        Assert.DoesNotContain("unreadable", ended, StringComparison.Ordinal);
        Assert.True(gcs >= 2, $"{gcs} collections decoded before the exit ({ended})");
    }

    [Fact]
    public void A_process_that_is_not_dotnet_is_named_as_such()
    {
        using var sleeper = System.Diagnostics.Process.Start("sleep", "30");
        try
        {
            var target = DotnetTargets.Resolve("/proc", sleeper.Id);
            Assert.Null(target.Socket);
            Assert.Contains("is not a .NET process", target.Problem, StringComparison.Ordinal);
            Assert.Contains("does not exist", DotnetTargets.Resolve("/proc", 0x3FFFFFFF).Problem, StringComparison.Ordinal);
        }
        finally
        {
            sleeper.Kill();
        }
    }

    [Fact]
    public void A_process_with_its_diagnostic_port_disabled_is_named_as_such()
    {
        using var workload = RuntimeEventsWorkload.Start(("DOTNET_EnableDiagnostics", "0"));
        var target = DotnetTargets.Resolve("/proc", workload.Pid);
        Assert.Null(target.Socket);
        Assert.Contains("diagnostic port disabled (DOTNET_EnableDiagnostics=0", target.Problem, StringComparison.Ordinal);
    }
}
