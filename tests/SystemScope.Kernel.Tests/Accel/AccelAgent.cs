using System.Diagnostics;
using System.Text.Json;
using SystemScope.Kernel.Tests.EndToEnd;
using SystemScope.Kernel.Tests.Infrastructure;

namespace SystemScope.Kernel.Tests.Accel;

/// <summary>
/// The published binary run with an environment of the test's choosing (LD_LIBRARY_PATH to a
/// stand-in NVML), and the stand-in library built from tests/workloads/nvml_standin.c.
/// </summary>
internal static class AccelAgent
{
    private static readonly Lazy<string> StandInDirectory = new(() =>
    {
        var directory = Directory.CreateTempSubdirectory("systemscope-nvml-").FullName;
        var output = Path.Combine(directory, "libnvidia-ml.so.1");
        using var gcc = Process.Start("gcc", ["-O1", "-Wall", "-Werror", "-shared", "-fPIC", "-Wl,-soname,libnvidia-ml.so.1", "-o", output, Path.Combine(RepoPaths.Workloads, "nvml_standin.c")])!;
        gcc.WaitForExit();
        Assert.True(gcc.ExitCode == 0, "gcc could not build the NVML stand-in");
        return directory;
    });

    /// <summary>The directory holding the stand-in <c>libnvidia-ml.so.1</c>.</summary>
    public static string StandInLibraryDirectory => StandInDirectory.Value;

    public static CliResult Run(TimeSpan timeout, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        Assert.True(File.Exists(AgentBinary.Path), $"{AgentBinary.Path} is not built: run 'make build'");
        var start = new ProcessStartInfo(AgentBinary.Path) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"systemscope {string.Join(' ', args)} still ran after {timeout}; stderr: {stderr.Result}");
        }

        return new CliResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>A table model of <c>--format json</c> output: its rows, each an object of named cells.</summary>
    public static List<Dictionary<string, JsonElement>> Rows(JsonElement root, string model) =>
        [.. root.GetProperty(model).GetProperty("rows").EnumerateArray().Select(row => row.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone()))];

    /// <summary>Whether the dynamic loader would find a real libnvidia-ml.so.1 on this machine.</summary>
    public static bool MachineHasNvml()
    {
        using var ldconfig = Process.Start(new ProcessStartInfo("ldconfig", ["-p"]) { RedirectStandardOutput = true })!;
        var listing = ldconfig.StandardOutput.ReadToEnd();
        ldconfig.WaitForExit();
        return listing.Contains("libnvidia-ml.so.1", StringComparison.Ordinal);
    }
}
