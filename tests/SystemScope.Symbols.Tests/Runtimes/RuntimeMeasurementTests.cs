using System.Diagnostics;
using SystemScope.Symbols.Binaries;
using SystemScope.Symbols.Runtimes.Jvm;
using SystemScope.Symbols.Support;
using SystemScope.Symbols.Tests.Support;
using Xunit.Abstractions;

namespace SystemScope.Symbols.Tests.Runtimes;

/// <summary>
/// Costs of naming runtime code, printed for people to read (run with <c>--logger "console;verbosity=detailed"</c>).
/// They assert what was read, never how fast.
/// </summary>
[Trait("Category", "Measurement")]
public sealed class RuntimeMeasurementTests(ITestOutputHelper output)
{
    [Fact]
    public void Reading_the_readytorun_image_of_corelib()
    {
        var path = typeof(object).Assembly.Location;
        var times = new List<double>();
        var cpu = new List<double>();
        BinaryImage? image = null;
        for (var run = 0; run < 7; run++)
        {
            var loader = new BinaryLoader(new BinaryCache(16, 1L << 30), new DebugFileLocator([]), new FailureLog());
            var opened = new OpenedBinary(new BinaryIdentity(0, (ulong)run, 0, 0), File.OpenHandle(path), path, null, 0);
            var clock = Stopwatch.StartNew();
            var cpuBefore = Environment.CpuUsage.TotalTime;
            image = loader.Load(opened);
            times.Add(clock.Elapsed.TotalMilliseconds);
            cpu.Add((Environment.CpuUsage.TotalTime - cpuBefore).TotalMilliseconds);
            opened.Dispose();
        }

        times.Sort();
        cpu.Sort();
        Assert.Equal("ReadyToRun", image!.SymbolSource);
        output.WriteLine($"{Path.GetFileName(path)} ({new FileInfo(path).Length / 1024} KiB): {image.Functions.Count} code ranges, parse median {times[times.Count / 2]:0} ms wall (fastest {times[0]:0} ms… slowest {times[^1]:0} ms), process CPU median {cpu[cpu.Count / 2]:0} ms, ~{image.EstimatedBytes / 1024.0:0} KiB kept");
    }

    [Fact]
    public async Task Asking_a_jvm_for_its_perf_map()
    {
        using var workload = JavaWorkload.Start([]);
        try
        {
            var clock = Stopwatch.StartNew();
            await HotSpotAttach.ExecuteAsync("/proc", workload.Pid, JvmPerfMapController.Command, TimeSpan.FromSeconds(30));
            var first = clock.Elapsed.TotalMilliseconds;
            var again = double.MaxValue;
            for (var i = 0; i < 5; i++)
            {
                clock.Restart();
                await HotSpotAttach.ExecuteAsync("/proc", workload.Pid, JvmPerfMapController.Command, TimeSpan.FromSeconds(30));
                again = Math.Min(again, clock.Elapsed.TotalMilliseconds);
            }

            var lines = File.ReadLines($"/tmp/perf-{workload.Pid}.map").Count();
            Assert.True(lines > 0);
            output.WriteLine($"JVM perf map: first request (SIGQUIT, attach listener start) {first:0} ms, later requests best {again:0.0} ms, {lines} lines");
        }
        finally
        {
            File.Delete($"/tmp/perf-{workload.Pid}.map");
        }
    }
}
