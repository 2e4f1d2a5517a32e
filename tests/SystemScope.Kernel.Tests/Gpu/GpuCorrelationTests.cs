using System.Diagnostics;
using System.Text.Json;
using SystemScope.Kernel.Tests.EndToEnd;
using SystemScope.Kernel.Tests.Infrastructure;

namespace SystemScope.Kernel.Tests.Gpu;

/// <summary>
/// <c>systemscope record sched,cpu,gpu</c> on a CUDA driver-API program over the stand-in
/// <c>libcuda.so.1</c> (tests/workloads/gpu): the host's waits read as waiting on the GPU, the kernels sit
/// on the function that launched them, and each pause between steps is one idle gap of the device,
/// explained by what the thread did (slept, or computed in a known function).
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class GpuCorrelationTests
{
    private const int Steps = 6;
    private const long PauseMs = 300;

    /// <summary>The stand-in's synchronisations sleep this long (its default, GPU_STANDIN_SYNC_US).</summary>
    private const long SyncNs = 20_000_000;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    [AgentFact]
    public void Waits_kernels_and_idle_gaps_line_up_with_the_programs_steps()
    {
        var (library, driver) = Build();
        using var workload = WorkloadProcess.Start(driver, [library, Steps.ToString(), PauseMs.ToString()], readInfoLine: true);

        // The scheduler and CPU sources first, so they see everything the program does once the gpu probes let it run.
        var result = AgentBinary.Run(Patience, "record", "sched,cpu,gpu", "--pid", workload.Pid.ToString(), "--duration", "60", "--format", "json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var document = JsonDocument.Parse(result.Stdout);
        var models = document.RootElement;

        // Where did the time go: the synchronisations are waiting on the GPU, in the call, as long as the stand-in slept.
        var thread = models.GetProperty("threads.breakdown").GetProperty("threads").EnumerateArray().Single(t => t.GetProperty("tid").GetInt32() == workload.Pid);
        var gpuWaits = thread.GetProperty("topReasons").EnumerateArray().Where(r => r.GetProperty("category").GetString() == "gpu").ToList();
        Assert.Contains(gpuWaits, r => r.GetProperty("reason").GetString()!.Contains("cuStreamSynchronize", StringComparison.Ordinal));
        var waited = gpuWaits.Sum(r => r.GetProperty("value").GetInt64());
        Assert.InRange(waited, Steps * SyncNs * 9 / 10, Steps * SyncNs * 3);

        // The merged flame graph: vector_add and scale_kernel, two launches each per step, on top of launch_kernels.
        var launches = models.GetProperty("gpu.flame.launches");
        Assert.Equal(4 * Steps, launches.GetProperty("total").GetInt64());
        foreach (var kernel in new[] { "vector_add", "scale_kernel" })
        {
            var paths = Paths(launches.GetProperty("root")).Where(p => p.Frames[^1].Name == kernel).ToList();
            Assert.Equal(2 * Steps, paths.Sum(p => p.Self));
            Assert.All(paths, p =>
            {
                Assert.Equal("gpu", p.Frames[^1].Kind);
                var names = p.Frames.Select(f => f.Name).ToList();
                Assert.True(names.IndexOf("launch_kernels") is var at && at >= 0 && names.IndexOf("run_step") == at - 1, string.Join(";", names));
            });
        }

        Assert.InRange(models.GetProperty("gpu.flame.waits").GetProperty("total").GetInt64(), Steps * SyncNs * 9 / 10, Steps * SyncNs * 3);

        // GPU idle: one gap per pause; after odd steps the thread slept, after even ones it computed in prepare_next_batch.
        var gaps = models.GetProperty("gpu.idle").GetProperty("rows").EnumerateArray()
            .Where(r => r.GetProperty("idle_ns").GetInt64() >= PauseMs * 1_000_000 * 8 / 10)
            .OrderBy(r => r.GetProperty("start").GetInt64())
            .ToList();
        Assert.True(gaps.Count == Steps - 1, string.Join('\n', gaps));
        for (var i = 0; i < gaps.Count; i++)
        {
            var gap = gaps[i];
            Assert.Equal(workload.Pid, gap.GetProperty("tid").GetInt32());
            if (i % 2 == 0)
            {
                Assert.True(gap.GetProperty("doing").GetString()!.StartsWith("sleeping", StringComparison.Ordinal), gap.ToString());
                Assert.True(gap.GetProperty("off_cpu_ns").GetInt64() > gap.GetProperty("idle_ns").GetInt64() / 2, gap.ToString());
            }
            else
            {
                Assert.True(gap.GetProperty("on_cpu").GetString()!.Contains("prepare_next_batch", StringComparison.Ordinal), gap.ToString());
            }
        }

        // Memory in flight: the one 1 MiB buffer, never freed before the exit.
        var memory = models.GetProperty("gpu.memory").GetProperty("series").EnumerateArray().Single(s => s.GetProperty("name").GetString() == workload.Pid.ToString());
        Assert.Equal(1 << 20, memory.GetProperty("values").EnumerateArray().Where(v => v.ValueKind == JsonValueKind.Number).Max(v => v.GetDouble()));
        var busy = models.GetProperty("gpu.busy").GetProperty("series").EnumerateArray().Single(s => s.GetProperty("name").GetString() == workload.Pid.ToString());
        Assert.Contains(busy.GetProperty("values").EnumerateArray(), v => v.ValueKind == JsonValueKind.Number && v.GetDouble() > 0);
    }

    [AgentFact]
    public void Runtime_api_kernels_are_named_by_the_symbol_of_their_host_stub()
    {
        const int steps = 4;
        using var driver = StandInLibraries.StartDriver("cudart", StandInLibraries.Library("cudart"), steps, 5_000, "wait-probes");

        var result = AgentBinary.Run(Patience, "record", "gpu", "--pid", driver.Pid.ToString(), "--duration", "60", "--format", "json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var document = JsonDocument.Parse(result.Stdout);
        var paths = Paths(document.RootElement.GetProperty("gpu.flame.launches").GetProperty("root")).ToList();
        foreach (var stub in new[] { "vector_add_stub", "scale_stub" })
        {
            var launches = paths.Where(p => p.Frames[^1].Name == stub).ToList();
            Assert.True(launches.Sum(p => p.Self) == 2 * steps, string.Join('\n', paths.Select(p => string.Join(';', p.Frames.Select(f => f.Name)) + " " + p.Self)));
            // On top of the function that launched it (gpu_driver.c).
            Assert.All(launches, p => Assert.Equal(("gpu", "rt_launch_one"), (p.Frames[^1].Kind, p.Frames[^2].Name)));
        }

        // Copies by direction: one 1 MiB copy each way per step.
        var copies = Paths(document.RootElement.GetProperty("gpu.flame.copies").GetProperty("root")).ToList();
        Assert.Equal(steps << 20, copies.Where(p => p.Frames[^1].Name == "[copy host→device]").Sum(p => p.Self));
        Assert.Equal(steps << 20, copies.Where(p => p.Frames[^1].Name == "[copy device→host]").Sum(p => p.Self));
    }

    private sealed record Frame(string Name, string Kind);

    private sealed record FramePath(IReadOnlyList<Frame> Frames, long Self);

    /// <summary>Every node with self weight of the nested JSON tree, root (excluded) to the node.</summary>
    private static IEnumerable<FramePath> Paths(JsonElement root)
    {
        var stack = new List<(JsonElement Node, List<Frame> Path)> { (root, []) };
        while (stack.Count > 0)
        {
            var (node, path) = stack[^1];
            stack.RemoveAt(stack.Count - 1);
            if (node.GetProperty("self").GetInt64() > 0 && path.Count > 0)
            {
                yield return new FramePath(path, node.GetProperty("self").GetInt64());
            }

            foreach (var child in node.GetProperty("children").EnumerateArray())
            {
                stack.Add((child, [.. path, new Frame(child.GetProperty("name").GetString()!, child.GetProperty("kind").GetString()!)]));
            }
        }
    }

    /// <summary>The stand-in libcuda.so.1 and the gpu_steps program (built once per run).</summary>
    private static (string Library, string Driver) Build()
    {
        lock (BuildLock)
        {
            if (_built is { } built)
            {
                return built;
            }

            var driver = Path.Combine(Directory.CreateTempSubdirectory("systemscope-gpu-correlation-").FullName, "gpu_steps");
            Gcc(["-O1", "-g", "-fno-omit-frame-pointer", "-Wall", "-Werror", "-o", driver, Path.Combine(RepoPaths.Workloads, "gpu", "gpu_steps.c"), "-ldl"]);
            _built = (StandInLibraries.Library("cuda"), driver);
            return _built.Value;
        }
    }

    private static readonly Lock BuildLock = new();
    private static (string, string)? _built;

    private static void Gcc(IReadOnlyList<string> args)
    {
        var start = new ProcessStartInfo("gcc") { RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var gcc = Process.Start(start)!;
        var errors = gcc.StandardError.ReadToEnd();
        gcc.WaitForExit();
        Assert.True(gcc.ExitCode == 0, $"gcc {string.Join(' ', args)}: {errors}");
    }
}
