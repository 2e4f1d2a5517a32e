using System.Collections.Concurrent;
using System.Diagnostics;
using SystemScope.Kernel.Tests.Infrastructure;

namespace SystemScope.Kernel.Tests.Gpu;

/// <summary>
/// Builds the stand-in accelerator libraries of tests/workloads/gpu under their vendors' file names
/// (libcuda.so.1 …), and the driver program that runs the known pattern against them.
/// </summary>
public static class StandInLibraries
{
    private static readonly ConcurrentDictionary<string, Lazy<string>> Built = new(StringComparer.Ordinal);
    private static readonly Lazy<string> Root = new(() => Directory.CreateTempSubdirectory("systemscope-gpu-").FullName);

    /// <summary>The stand-in's source file and the real library's file name, per API.</summary>
    public static IReadOnlyDictionary<string, (string Source, string FileName)> Vendors { get; } = new Dictionary<string, (string, string)>(StringComparer.Ordinal)
    {
        ["cuda"] = ("cuda", "libcuda.so.1"),
        ["cudart"] = ("cudart", "libcudart.so.12"),
        ["hip"] = ("hip", "libamdhip64.so"),
        ["levelzero"] = ("levelzero", "libze_loader.so.1"),
        ["opencl"] = ("opencl", "libOpenCL.so.1"),
    };

    private static string Sources => Path.Combine(RepoPaths.Workloads, "gpu");

    /// <summary>The stand-in for <paramref name="vendor"/>, in a directory of its own; <paramref name="defines"/> builds a variant (-DSTANDIN_WITHOUT_EVENT_SYNC).</summary>
    public static string Library(string vendor, params string[] defines)
    {
        var (source, fileName) = Vendors[vendor];
        var variant = vendor + string.Concat(defines.Select(d => "," + d));
        return Built.GetOrAdd(variant, _ => new Lazy<string>(() =>
        {
            var directory = Directory.CreateDirectory(Path.Combine(Root.Value, variant.Replace(',', '_'))).FullName;
            var output = Path.Combine(directory, fileName);
            Gcc(["-O2", "-shared", "-fPIC", "-fvisibility=hidden", "-Wall", "-Werror", .. defines.Select(d => "-D" + d), "-o", output, Path.Combine(Sources, source + ".c")]);
            return output;
        })).Value;
    }

    /// <summary>A fresh copy of a stand-in in a directory of its own, for a test that changes the file.</summary>
    public static string CopyOf(string vendor)
    {
        var original = Library(vendor);
        var directory = Directory.CreateTempSubdirectory("systemscope-gpu-copy-").FullName;
        var copy = Path.Combine(directory, Path.GetFileName(original));
        File.Copy(original, copy);
        return copy;
    }

    public static string Driver => Built.GetOrAdd("gpu_driver", _ => new Lazy<string>(() =>
    {
        var output = Path.Combine(Root.Value, "gpu_driver");
        Gcc(["-O1", "-g", "-fno-omit-frame-pointer", "-Wall", "-Werror", "-o", output, Path.Combine(Sources, "gpu_driver.c"), "-ldl", "-lpthread"]);
        return output;
    })).Value;

    /// <summary>Starts the driver: <c>gpu_driver VENDOR LIBRARY STEPS SYNC_US options…</c> (see gpu_driver.c).</summary>
    public static WorkloadProcess StartDriver(string vendor, string library, int steps, int syncUs, params string[] options) =>
        WorkloadProcess.Start(Driver, [vendor, library, steps.ToString(System.Globalization.CultureInfo.InvariantCulture), syncUs.ToString(System.Globalization.CultureInfo.InvariantCulture), .. options], readInfoLine: true);

    private static void Gcc(IReadOnlyList<string> args)
    {
        var start = new ProcessStartInfo("gcc") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start gcc");
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"gcc {string.Join(' ', args)} failed: {stderr.Result}");
        }
    }
}
