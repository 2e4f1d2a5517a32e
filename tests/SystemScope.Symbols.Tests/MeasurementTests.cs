using System.Diagnostics;
using SystemScope.Core.Events.Process;
using SystemScope.Core.Symbols;
using SystemScope.Symbols.Binaries;
using SystemScope.Symbols.Support;
using SystemScope.Symbols.Tests.Support;
using Xunit.Abstractions;

namespace SystemScope.Symbols.Tests;

/// <summary>
/// Costs printed for people to read (run with <c>--logger "console;verbosity=detailed"</c>). They
/// assert what was resolved, never how fast: timings vary from machine to machine.
/// </summary>
[Collection(NativeBinariesCollection.Name)]
[Trait("Category", "Measurement")]
public sealed class MeasurementTests(NativeBinaries binaries, ITestOutputHelper output)
{
    [Fact]
    public void Parsing_libc_and_libcoreclr()
    {
        var runtimeDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        (string Path, string[] DebugDirectories)[] cases =
        [
            ("/lib/x86_64-linux-gnu/libc.so.6", ["/usr/lib/debug"]),
            ("/lib/x86_64-linux-gnu/libc.so.6", []), // .dynsym only, when no debug package is installed
            (Path.Combine(runtimeDirectory, "libcoreclr.so"), ["/usr/lib/debug"]),
        ];
        foreach (var (path, debugDirectories) in cases)
        {
            var times = new List<double>();
            BinaryImage? image = null;
            for (var run = 0; run < 15; run++)
            {
                var loader = new BinaryLoader(new BinaryCache(16, 1L << 30), new DebugFileLocator(debugDirectories), new FailureLog());
                var handle = File.OpenHandle(path);
                var opened = new OpenedBinary(new BinaryIdentity(0, (ulong)run, 0, 0), handle, path, null, 0);
                var clock = Stopwatch.StartNew();
                image = loader.Load(opened);
                times.Add(clock.Elapsed.TotalMilliseconds);
                opened.Dispose();
            }

            times.Sort();
            Assert.True(image!.Functions.Count > 0, $"{path}: no functions");
            output.WriteLine($"{Path.GetFileName(path)}: {image.Functions.Count} functions from {image.SymbolSource}, parse median {times[times.Count / 2]:0.00} ms (first {times[0]:0.00}), ~{image.EstimatedBytes / 1024.0:0} KiB");
        }
    }

    [Fact]
    public void Resolving_cached_addresses()
    {
        using var symbolizer = new Symbolizer();
        using var program = binaries.Start(binaries.Pie);
        symbolizer.Track(program.Pid);
        var a = program.Addresses;
        ulong[] stack = [a["work_alpha"] + 3, a["lib_compute"] + 9, a["work_beta"] + 12, a["after_call"] + 2, a["work_alpha"] + 20, a["lib_compute"] + 1, a["after_call"] + 3, a["work_beta"] + 1];
        var frames = new Symbol[stack.Length];
        symbolizer.ResolveUser(program.Pid, stack, frames);

        const int Rounds = 200_000;
        var perAddress = double.MaxValue;
        for (var repeat = 0; repeat < 5; repeat++)
        {
            // The best of several: early rounds run before tiered JIT, and other work shares the machine.
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < Rounds; i++)
            {
                symbolizer.ResolveUser(program.Pid, stack, frames);
            }

            perAddress = Math.Min(perAddress, clock.Elapsed.TotalNanoseconds / (Rounds * (double)stack.Length));
        }

        Assert.Equal(["work_alpha", "lib_compute", "work_beta", "after_call", "work_alpha", "lib_compute", "after_call", "work_beta"], frames.Select(f => f.Name));
        output.WriteLine($"user frames, cached: {perAddress:0.0} ns per address ({stack.Length}-frame stacks)");

        var clockKernel = Stopwatch.StartNew();
        symbolizer.ResolveKernel([0xffffffff81000000UL], new Symbol[1]);
        output.WriteLine($"kallsyms first load: {clockKernel.Elapsed.TotalMilliseconds:0.0} ms");

        var kernel = new ulong[8];
        var kernelFrames = new Symbol[8];
        for (var i = 0; i < kernel.Length; i++)
        {
            kernel[i] = 0xffffffff81000000UL + (ulong)(i * 0x1234);
        }

        var perKernelAddress = double.MaxValue;
        for (var repeat = 0; repeat < 5; repeat++)
        {
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < Rounds; i++)
            {
                symbolizer.ResolveKernel(kernel, kernelFrames);
            }

            perKernelAddress = Math.Min(perKernelAddress, clock.Elapsed.TotalNanoseconds / (Rounds * 8.0));
        }

        Assert.All(kernelFrames, f => Assert.NotNull(f));
        output.WriteLine($"kernel frames, cached: {perKernelAddress:0.0} ns per address; {symbolizer.Diagnostics.KernelSymbols} kallsyms entries");
    }

    [Fact]
    public async Task Memory_held_for_a_dotnet_process()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        using var symbolizer = new Symbolizer();
        using var sessions = new LifecycleSessions(symbolizer);
        var (_, source) = sessions.Start();
        using var workload = DotnetWorkload.Start(isolated: false);

        var clock = Stopwatch.StartNew();
        source.Publish(workload.Pid, ProcessChange.Seen);
        await symbolizer.FlushAsync();
        var seenToReady = clock.Elapsed;
        var state = symbolizer.ProcessStateOf(workload.Pid)!;
        state.PerfMap!.Refresh();
        var after = GC.GetTotalMemory(forceFullCollection: true);

        var diagnostics = symbolizer.Diagnostics;
        Assert.True(diagnostics.PerfMapEntries > 0);
        var mappings = state.Snapshot!.Mappings;
        output.WriteLine($".NET process: {mappings.Length} executable mappings, {diagnostics.BinariesCached} binaries cached (~{diagnostics.BinaryCacheBytes / 1024.0:0} KiB estimated), {diagnostics.PerfMapEntries} perf map entries");
        output.WriteLine($"managed heap growth with the symboliser tracking it: {(after - before) / 1024.0:0} KiB; Seen to perf map on: {seenToReady.TotalMilliseconds:0} ms");
    }
}
