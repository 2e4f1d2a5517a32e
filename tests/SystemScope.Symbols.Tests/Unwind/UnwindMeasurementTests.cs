using System.Diagnostics;
using SystemScope.Symbols.Unwind;
using Xunit.Abstractions;

namespace SystemScope.Symbols.Tests.Unwind;

/// <summary>
/// Table build time (wall clock, and the CPU time of the building thread, which holds up better
/// on a shared machine) and size per MiB of unwind sections for large binaries on this machine, printed for people to read (run with <c>--logger "console;verbosity=detailed"</c>); nothing
/// here asserts a time.
/// </summary>
[Trait("Category", "Measurement")]
public sealed class UnwindMeasurementTests(ITestOutputHelper output)
{
    private const int Runs = 7;

    [Fact]
    public void Build_time_and_size_per_MiB()
    {
        string[] candidates =
        [
            "/usr/lib/x86_64-linux-gnu/libc.so.6",
            "/usr/lib/x86_64-linux-gnu/libLLVM-14.so.1",
            "/usr/bin/perf",
            "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0",
        ];
        var measured = 0;

        // The agent runs ahead-of-time compiled: let the JIT reach its final code before timing.
        for (var warmUp = 0; warmUp < 10; warmUp++)
        {
            UnwindTableBuilder.TryBuild(candidates[0], out _, out _);
        }

        output.WriteLine("| file | unwind MiB | source | build ms (median of 7) | CPU ms | CPU ms/MiB | rows | rows/MiB | table bytes at 8 B/row | bytes/MiB | allocated MiB/MiB | FDEs | rows to frame pointers |");
        output.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var path in candidates.Where(File.Exists))
        {
            var times = new List<double>();
            var cpuTimes = new List<double>();
            var allocations = new List<long>();
            UnwindTable? table = null;
            for (var run = 0; run < Runs; run++)
            {
                var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
                var cpuBefore = ThreadCpuNanoseconds();
                var clock = Stopwatch.StartNew();
                Assert.True(UnwindTableBuilder.TryBuild(path, out table, out var error), error);
                times.Add(clock.Elapsed.TotalMilliseconds);
                cpuTimes.Add((ThreadCpuNanoseconds() - cpuBefore) / 1e6);
                allocations.Add(GC.GetAllocatedBytesForCurrentThread() - allocatedBefore);
            }

            times.Sort();
            cpuTimes.Sort();
            allocations.Sort();
            var mib = table!.SectionBytes / (1024.0 * 1024);
            var median = times[Runs / 2];
            output.WriteLine($"| {Path.GetFileName(path)} | {mib:0.00} | {table.Source} | {median:0.0} | {cpuTimes[Runs / 2]:0.0} | {cpuTimes[Runs / 2] / mib:0.0} | {table.Rows.Length:N0} | {table.Rows.Length / mib:N0} | {table.CompactBytes:N0} | {table.CompactBytes / mib:N0} | {allocations[Runs / 2] / (1024.0 * 1024) / mib:0.0} | {table.Statistics.Fdes:N0} | {table.Statistics.DowngradedTotal:N0} |");
            output.WriteLine($"  {table.Statistics}");
            TableInvariants.AssertWellFormed(table);
            measured++;
        }

        Assert.True(measured > 0);
    }

    // The first field of schedstat: nanoseconds this thread has run.
    private static long ThreadCpuNanoseconds() => long.Parse(File.ReadAllText("/proc/thread-self/schedstat").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
}
