using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SystemScope.Kernel.Tests.EndToEnd;
using SystemScope.Kernel.Tests.Infrastructure;

namespace SystemScope.Kernel.Tests.Accel;

/// <summary>
/// <c>systemscope record accel</c>: the published binary on this machine (no GPU, no NVML, no DRM
/// device) and against a stand-in libnvidia-ml.so.1 whose every answer is known.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class AccelRecordTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private static readonly Dictionary<string, string> NoEnvironment = [];

    [AgentFact]
    public void Record_accel_with_no_options_says_what_is_not_available_and_succeeds()
    {
        var result = AccelAgent.Run(Patience, NoEnvironment, "record", "accel", "--duration", "3", "--format", "json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var document = JsonDocument.Parse(result.Stdout);
        var status = AccelAgent.Rows(document.RootElement, "accel.status").ToDictionary(r => r["component"].GetString()!);
        Assert.Equal(["dma_fence", "drm-fdinfo", "gpu_scheduler", "nvml"], status.Keys.Order());
        if (AccelAgent.MachineHasNvml())
        {
            Assert.Equal("yes", status["nvml"]["available"].GetString());
        }
        else
        {
            Assert.Equal("no", status["nvml"]["available"].GetString());
            Assert.Equal("not available: libnvidia-ml.so.1 not found", status["nvml"]["detail"].GetString());
            Assert.Equal(0, document.RootElement.GetProperty("accel.nvml.gpus").GetProperty("rows").GetArrayLength());
        }

        // This kernel has dma_fence:* built in; the DRM scheduler's module is loaded only with a driver that uses it.
        var hasScheduler = Directory.Exists("/sys/kernel/tracing/events/gpu_scheduler");
        Assert.Equal("yes", status["dma_fence"]["available"].GetString());
        Assert.StartsWith("attached: tp/dma_fence/dma_fence_emit, tp/dma_fence/dma_fence_signaled", status["dma_fence"]["detail"].GetString());
        Assert.Contains(hasScheduler ? "not attached by this version" : "not available", status["gpu_scheduler"]["detail"].GetString());
        if (!Directory.Exists("/dev/dri") && !Directory.Exists("/dev/accel"))
        {
            Assert.Contains("no /dev/dri or /dev/accel device nodes", status["drm-fdinfo"]["detail"].GetString());
            Assert.Equal(0, document.RootElement.GetProperty("accel.drm.clients").GetProperty("rows").GetArrayLength());
        }
    }

    [AgentFact]
    public void Record_accel_decodes_every_nvml_figure_of_a_stand_in_library()
    {
        using var gpuProcess = Process.Start("sleep", ["60"])!;
        try
        {
            var environment = new Dictionary<string, string>
            {
                ["LD_LIBRARY_PATH"] = AccelAgent.StandInLibraryDirectory,
                ["NVML_STANDIN_PID"] = gpuProcess.Id.ToString(CultureInfo.InvariantCulture),
            };
            var result = AccelAgent.Run(Patience, environment, "record", "accel", "--duration", "3", "--format", "json");

            Assert.True(result.ExitCode == 0, result.ToString());
            using var document = JsonDocument.Parse(result.Stdout);
            var root = document.RootElement;
            var status = AccelAgent.Rows(root, "accel.status").ToDictionary(r => r["component"].GetString()!);
            Assert.Equal("yes", status["nvml"]["available"].GetString());
            Assert.Equal("2 GPU(s): 0 Stand-in GPU 0, 1 Stand-in GPU 1", status["nvml"]["detail"].GetString());

            var gpus = AccelAgent.Rows(root, "accel.nvml.gpus");
            Assert.Equal(2, gpus.Count);
            var gpu0 = gpus[0];
            Assert.Equal("Stand-in GPU 0", gpu0["name"].GetString());
            Assert.Equal(37, gpu0["util"].GetInt64());
            Assert.Equal(12, gpu0["memUtil"].GetInt64());
            Assert.Equal(1234567890, gpu0["memUsed"].GetInt64());
            Assert.Equal(85899345920, gpu0["memTotal"].GetInt64());
            Assert.Equal(215.5, gpu0["power"].GetDouble());
            Assert.Equal(61, gpu0["temperature"].GetInt64());
            Assert.Equal(1755, gpu0["smClock"].GetInt64());
            Assert.Equal(2619, gpu0["memClock"].GetInt64());
            Assert.Equal(12345 * 1024, gpu0["pcieRx"].GetInt64());
            Assert.Equal(678 * 1024, gpu0["pcieTx"].GetInt64());
            Assert.Equal("SwPowerCap,SwThermalSlowdown", gpu0["reasons"].GetString());

            // GPU 1 answers NOT_SUPPORTED for these: unknown, not zero.
            var gpu1 = gpus[1];
            Assert.Equal(-1, gpu1["util"].GetInt64());
            Assert.Equal(-1.0, gpu1["power"].GetDouble());
            Assert.Equal(-1, gpu1["pcieRx"].GetInt64());
            Assert.Equal(string.Empty, gpu1["reasons"].GetString());
            Assert.Equal(40, gpu1["temperature"].GetInt64());
            Assert.Equal(1000, gpu1["memUsed"].GetInt64());

            var processes = AccelAgent.Rows(root, "accel.nvml.processes").ToDictionary(r => r["pid"].GetInt64());
            var sleeper = processes[gpuProcess.Id];
            Assert.Equal("sleep", sleeper["process"].GetString());
            Assert.Equal(0, sleeper["gpu"].GetInt64());
            Assert.Equal(512L << 20, sleeper["memory"].GetInt64());
            Assert.Equal((42L, 7L, 0L, 3L), (sleeper["sm"].GetInt64(), sleeper["mem"].GetInt64(), sleeper["enc"].GetInt64(), sleeper["dec"].GetInt64()));
            Assert.Equal(-1, processes[4194303]["memory"].GetInt64());

            // 1 Hz series over 3 s: every reading has GPU 0's power, and GPU 1 has none (a gap, not 0).
            var power = root.GetProperty("accel.nvml.power").GetProperty("series").EnumerateArray().ToList();
            var gpu0Power = Assert.Single(power, s => s.GetProperty("name").GetString() == "gpu0").GetProperty("values").EnumerateArray().Select(v => v.GetDouble()).ToList();
            Assert.InRange(gpu0Power.Count, 2, 4);
            Assert.All(gpu0Power, v => Assert.Equal(215.5, v));
            Assert.DoesNotContain(power, s => s.GetProperty("name").GetString() == "gpu1");
            var memory = root.GetProperty("accel.nvml.process.memory").GetProperty("series").EnumerateArray()
                .Single(s => s.GetProperty("name").GetString() == $"{gpuProcess.Id}:gpu0").GetProperty("values").EnumerateArray().Select(v => v.GetDouble());
            Assert.All(memory, v => Assert.Equal(512.0, v));
        }
        finally
        {
            gpuProcess.Kill();
        }
    }

    [AgentFact]
    public void Nvml_that_fails_to_initialise_is_reported_with_its_error_string()
    {
        var environment = new Dictionary<string, string>
        {
            ["LD_LIBRARY_PATH"] = AccelAgent.StandInLibraryDirectory,
            ["NVML_STANDIN_INIT_FAIL"] = "1",
        };
        var result = AccelAgent.Run(Patience, environment, "record", "accel", "--duration", "2", "--format", "json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var document = JsonDocument.Parse(result.Stdout);
        var nvml = AccelAgent.Rows(document.RootElement, "accel.status").Single(r => r["component"].GetString() == "nvml");
        Assert.Equal("no", nvml["available"].GetString());
        Assert.Equal("not available: nvmlInit failed: Driver Not Loaded (9)", nvml["detail"].GetString());
    }

    [AgentFact]
    public void A_typo_or_an_interval_out_of_range_is_named()
    {
        var typo = AccelAgent.Run(Patience, NoEnvironment, "record", "accel", "--duration", "1", "--intervall", "500");
        Assert.NotEqual(0, typo.ExitCode);
        Assert.Contains("'--intervall'", typo.Stderr, StringComparison.Ordinal);

        var tooFast = AccelAgent.Run(Patience, NoEnvironment, "record", "accel", "--duration", "1", "--interval", "5");
        Assert.NotEqual(0, tooFast.ExitCode);
        Assert.Contains("interval", tooFast.Stderr, StringComparison.OrdinalIgnoreCase);
    }

    [AgentFact]
    public void A_pid_without_any_accelerator_gives_empty_tables_not_an_error()
    {
        using var plain = Process.Start("sleep", ["30"])!;
        try
        {
            var result = AccelAgent.Run(Patience, NoEnvironment, "record", "accel", "--pid", plain.Id.ToString(CultureInfo.InvariantCulture), "--duration", "2", "--format", "json");

            Assert.True(result.ExitCode == 0, result.ToString());
            using var document = JsonDocument.Parse(result.Stdout);
            Assert.Equal(0, document.RootElement.GetProperty("accel.drm.clients").GetProperty("rows").GetArrayLength());
            Assert.Equal(0, document.RootElement.GetProperty("accel.nvml.processes").GetProperty("rows").GetArrayLength());
            Assert.Equal(4, document.RootElement.GetProperty("accel.status").GetProperty("rows").GetArrayLength());
        }
        finally
        {
            plain.Kill();
        }
    }
}
