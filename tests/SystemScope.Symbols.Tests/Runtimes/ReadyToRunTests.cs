using System.Diagnostics;
using System.Reflection;
using Microsoft.Diagnostics.NETCore.Client;
using SystemScope.Core.Symbols;
using SystemScope.Symbols.Jit;
using SystemScope.Symbols.Runtimes.ReadyToRun;
using SystemScope.Symbols.Tests.Support;
using Xunit.Abstractions;

namespace SystemScope.Symbols.Tests.Runtimes;

/// <summary>
/// Precompiled (ReadyToRun) framework code is named from the image itself, without the runtime's
/// help: checked against the installed System.Private.CoreLib and against where the runtime itself
/// says each precompiled method's code is (its jitdump, switched on at run time).
/// </summary>
public sealed class ReadyToRunTests(ITestOutputHelper output)
{
    private const string CoreLibModule = "System.Private.CoreLib";

    private static string CoreLibPath => typeof(object).Assembly.Location;

    private static string WorkloadPath =>
        typeof(ReadyToRunTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "DotnetCoreLibHotPath").Value!;

    [Fact]
    public void The_installed_corelib_names_its_precompiled_methods()
    {
        var clock = Stopwatch.StartNew();
        var image = ReadyToRunImage.TryRead(File.ReadAllBytes(CoreLibPath), out var problem);
        output.WriteLine($"{CoreLibPath}: {image?.Functions.Count} code ranges in {clock.ElapsedMilliseconds} ms");

        Assert.Null(problem);
        Assert.NotNull(image);
        Assert.Equal(CoreLibModule, image.ManagedAssembly);
        var names = Enumerable.Range(0, image.Functions.Count).Select(image.Functions.NameOf).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("System.Marvin::ComputeHash32(uint8&,uint32,uint32,uint32)", names);
        Assert.Contains("System.String::GetHashCode()", names);
        Assert.True(names.Count > 10_000, $"only {names.Count} methods named");
    }

    [Fact]
    public void Files_that_are_not_readytorun_images_say_why()
    {
        Assert.Null(ReadyToRunImage.TryRead(File.ReadAllBytes(typeof(ReadyToRunTests).Assembly.Location), out var problem));
        Assert.Equal("not a ReadyToRun image", problem);
        var garbage = new byte[300];
        garbage[0] = (byte)'M';
        garbage[1] = (byte)'Z';
        Assert.Null(ReadyToRunImage.TryRead(garbage, out problem));
        Assert.StartsWith("bad PE or ReadyToRun image", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Precompiled_methods_of_a_running_process_resolve_to_the_names_and_places_the_runtime_reports()
    {
        // Started with no variables at all; the symbolizer does not talk to the runtime.
        using var workload = RunningProgram.Start("dotnet", string.Empty, "ready", WorkloadPath, "120");
        using var symbolizer = new Symbolizer(new SymbolizerOptions { EnableDotnetPerfMaps = false });
        var dump = $"/tmp/jit-{workload.Pid}.dump";
        try
        {
            // The runtime's own account: switched on at run time, its jitdump lists every loaded precompiled method.
            new DiagnosticsClient(workload.Pid).EnablePerfMap(PerfMapType.JitDump);
            var precompiled = WaitForPrecompiled(dump);
            Assert.True(precompiled.Count > 100, $"the runtime reported only {precompiled.Count} precompiled CoreLib methods");

            var clock = Stopwatch.StartNew();
            var named = 0;
            var mismatches = new List<string>();
            var unnamed = new List<string>();
            foreach (var (address, size, runtimeName) in precompiled)
            {
                var (expected, module) = PerfMapLine.Normalize(runtimeName[..^"[PreJIT]".Length]);
                Assert.Equal(CoreLibModule, module);
                foreach (var inside in new[] { address, address + (size / 2), address + size - 1 })
                {
                    var frame = Frames.User(symbolizer, workload.Pid, inside)[0];
                    if (frame.Kind == FrameKind.Unknown)
                    {
                        unnamed.Add($"0x{inside:x}: runtime {expected}, read {frame.Name}");
                        continue;
                    }

                    named++;
                    if (frame.Name != expected || frame.Module != CoreLibModule || frame.Kind != FrameKind.Jit)
                    {
                        mismatches.Add($"0x{inside:x}: runtime {expected}, read {frame.Name} ({frame.Module}, {frame.Kind})");
                    }
                }
            }

            output.WriteLine($"{precompiled.Count} precompiled methods reported, {named} of {precompiled.Count * 3} addresses named; first resolve took {clock.ElapsedMilliseconds} ms");
            output.WriteLine($"unnamed:\n{string.Join('\n', unnamed.Take(60))}");
            Assert.True(mismatches.Count == 0, $"{mismatches.Count} mismatches:\n{string.Join('\n', mismatches.Take(40))}");
            Assert.True(named > precompiled.Count * 3 * 8 / 10, $"only {named} of {precompiled.Count * 3} addresses named");
        }
        finally
        {
            File.Delete(dump);
            File.Delete($"/tmp/perfinfo-{workload.Pid}.map");
        }
    }

    private static List<(ulong Address, ulong Size, string Name)> WaitForPrecompiled(string dump)
    {
        var clock = Stopwatch.StartNew();
        List<(ulong Address, ulong Size, string Name)> precompiled = [];
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (File.Exists(dump))
            {
                precompiled = JitDumpFile.ReadCodeLoads(dump)
                    .Where(r => r.Name.EndsWith("[PreJIT]", StringComparison.Ordinal) && r.Name.Contains($"[{CoreLibModule}] ", StringComparison.Ordinal))
                    .ToList();
                if (precompiled.Count > 0)
                {
                    // The runtime writes the whole list at once; give it a moment to finish.
                    Thread.Sleep(500);
                    return JitDumpFile.ReadCodeLoads(dump)
                        .Where(r => r.Name.EndsWith("[PreJIT]", StringComparison.Ordinal) && r.Name.Contains($"[{CoreLibModule}] ", StringComparison.Ordinal))
                        .ToList();
                }
            }

            Thread.Sleep(100);
        }

        return precompiled;
    }
}
