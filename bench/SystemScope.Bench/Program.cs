using System.Diagnostics;
using System.Runtime.InteropServices;
using SystemScope.Core.Analyses.Cpu;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Cpu;
using SystemScope.Core.Export;
using SystemScope.Core.Models.FlameGraph;
using SystemScope.Core.Sessions;
using SystemScope.Core.Symbols;
using SystemScope.Symbols;

// Each measure runs a warm-up, then several timed repetitions; the median is reported, with the
// bytes allocated per operation (managed allocations only).
const int Repetitions = 7;

Console.WriteLine();
Console.WriteLine("## Per-event costs (bench/SystemScope.Bench, median of 7 repetitions)");
Console.WriteLine();
Console.WriteLine("| operation | time | allocated |");
Console.WriteLine("|---|---|---|");

var random = new Random(42);
var names = Enumerable.Range(0, 2000).Select(i => new Symbol($"function_{i}", "app", FrameKind.Native)).ToArray();
var stacks = Enumerable.Range(0, 5000)
    .Select(_ => Enumerable.Range(0, 30).Select(d => names[random.Next(d * 60, (d * 60) + 60)]).ToArray())
    .ToArray();

Report("call tree: add one 30-frame stack (5,000 distinct)", stacks.Length, () =>
{
    var tree = new CallTree();
    foreach (var stack in stacks)
    {
        tree.Add(stack, 1);
    }
});

var big = new CallTree();
while (big.NodeCount < 100_000)
{
    big.Add(stacks[random.Next(stacks.Length)][..random.Next(5, 30)].Select(_ => names[random.Next(names.Length)]).ToArray(), 1);
}

big.Commit();
var cursor = big.CreateUpdate(FlameGraphCursor.None).Cursor;
Report($"flame graph: full model of {big.NodeCount:N0} nodes", 1, () => big.CreateUpdate(FlameGraphCursor.None));
for (var i = 0; i < 50; i++)
{
    big.Add(stacks[i], 1);
}

big.Commit();
Report("flame graph: delta after 50 stacks on the 100k tree", 1, () => big.CreateUpdate(cursor));
Report("folded stacks: write the 100k tree", 1, () => FoldedExporter.Write(big, TextWriter.Null));

// Symbolisation of this process's own libc, the way the CPU profile calls it: cached after first sight.
using var symbolizer = new Symbolizer();
var libc = NativeLibrary.Load("libc.so.6");
var addresses = new[] { "getpid", "read", "write", "malloc", "free", "memcpy", "strlen", "open", "close", "clock_gettime", "nanosleep", "qsort" }
    .Select(n => (ulong)NativeLibrary.GetExport(libc, n) + 4)
    .ToArray();
var frames = new Symbol[addresses.Length];
var pid = Environment.ProcessId;
symbolizer.ResolveUser(pid, addresses, frames);
Report("symbolise one cached user address (libc)", addresses.Length, () => symbolizer.ResolveUser(pid, addresses, frames));

var kernelAddresses = File.ReadLines("/proc/kallsyms").Take(20_000).Where((_, i) => i % 1000 == 0)
    .Select(l => Convert.ToUInt64(l[..16], 16) + 1).Where(a => a != 1).ToArray();
var kernelFrames = new Symbol[kernelAddresses.Length];
symbolizer.ResolveKernel(kernelAddresses, kernelFrames);
Report("symbolise one cached kernel address", kernelAddresses.Length, () => symbolizer.ResolveKernel(kernelAddresses, kernelFrames));

// The whole analysis path: a window of aggregated samples, symbolised and merged.
var window = Enumerable.Range(0, 1000)
    .Select(i => new Event<CpuStackSample>(
        new EventHeader(CpuStackSample.Kind, 0, pid, pid),
        new CpuStackSample(Enumerable.Range(0, 12).Select(j => addresses[(i + j) % addresses.Length]).ToArray(), kernelAddresses[..4], 3, "bench")))
    .ToArray();
var analysis = new CpuProfileAnalysis(symbolizer, ProcessFilter.ForPid(pid));
Report("CPU profile: merge one aggregated sample (12 user + 4 kernel frames)", window.Length, () => analysis.OnEvents(window));

static void Report(string what, int operations, Action action)
{
    action();
    var times = new double[Repetitions];
    var bytes = new long[Repetitions];
    for (var r = 0; r < Repetitions; r++)
    {
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        action();
        times[r] = clock.Elapsed.TotalNanoseconds / operations;
        bytes[r] = (GC.GetAllocatedBytesForCurrentThread() - allocated) / operations;
    }

    Array.Sort(times);
    Array.Sort(bytes);
    var ns = times[Repetitions / 2];
    var time = ns switch
    {
        >= 1e6 => $"{ns / 1e6:0.00} ms",
        >= 1e3 => $"{ns / 1e3:0.00} µs",
        _ => $"{ns:0.0} ns",
    };
    Console.WriteLine($"| {what} | {time} | {Size(bytes[Repetitions / 2])} |");
}

static string Size(long bytes) => bytes switch
{
    >= 1 << 20 => $"{bytes / (double)(1 << 20):0.0} MiB",
    >= 1 << 10 => $"{bytes / 1024.0:0.0} KiB",
    _ => $"{bytes} B",
};
