using System.Collections.Concurrent;
using System.Diagnostics;

namespace SystemScope.Kernel.Tests.Infrastructure;

/// <summary>
/// Builds the C workloads of tests/workloads (and test-only BPF programs) once per test run into a
/// temporary directory, and starts them.
/// </summary>
public static class Workloads
{
    private static readonly ConcurrentDictionary<string, Lazy<string>> Built = new(StringComparer.Ordinal);
    private static readonly Lazy<string> OutputDirectory = new(() =>
    {
        var directory = Directory.CreateTempSubdirectory("systemscope-workloads-").FullName;
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // a workload still running: leave it to the temp cleaner
            }
        };
        return directory;
    });

    /// <summary>Compiles tests/workloads/NAME.c with frame pointers; returns the executable's path.</summary>
    public static string Build(string name) =>
        Built.GetOrAdd(name, n => new Lazy<string>(() =>
        {
            var output = Path.Combine(OutputDirectory.Value, n);
            Run("gcc", ["-O1", "-g", "-fno-omit-frame-pointer", "-Wall", "-Werror", "-o", output, Path.Combine(RepoPaths.Workloads, n + ".c"), "-lpthread"]);
            return output;
        })).Value;

    /// <summary>
    /// Compiles tests/workloads/NAME.c as distributions build their binaries: -O2 without frame
    /// pointers (RBP is an ordinary register), only .eh_frame to unwind with. <paramref name="shared"/>: a
    /// shared library (NAME.so). Returns the path.
    /// </summary>
    public static string BuildWithoutFramePointers(string name, bool shared = false) =>
        Built.GetOrAdd(name + (shared ? ".so" : " -fomit-frame-pointer"), _ => new Lazy<string>(() =>
        {
            var output = Path.Combine(OutputDirectory.Value, shared ? name + ".so" : name + "-nofp");
            List<string> args = ["-O2", "-fomit-frame-pointer", "-Wall", "-Werror", "-o", output, Path.Combine(RepoPaths.Workloads, name + ".c")];
            args.AddRange(shared ? ["-shared", "-fPIC"] : ["-ldl", "-lpthread"]);
            Run("gcc", args);
            return output;
        })).Value;

    /// <summary>Starts a workload built by <see cref="BuildWithoutFramePointers"/>.</summary>
    public static WorkloadProcess StartWithoutFramePointers(string name, params string[] args) =>
        WorkloadProcess.Start(BuildWithoutFramePointers(name), args, readInfoLine: true);

    /// <summary>Compiles tests/workloads/NAME.bpf.c like the Makefile compiles bpf/; returns the object's path.</summary>
    public static string BuildBpf(string name) =>
        Built.GetOrAdd(name + ".bpf.o", _ => new Lazy<string>(() =>
        {
            var output = Path.Combine(OutputDirectory.Value, name + ".bpf.o");
            if (!File.Exists(Path.Combine(RepoPaths.Build, "vmlinux.h")))
            {
                Run("make", ["--no-print-directory", "-C", RepoPaths.Root, "build/vmlinux.h"]);
            }

            Run("clang", ["-target", "bpf", "-g", "-O2", "-Wall", "-Werror", "-D__TARGET_ARCH_x86", "-I" + RepoPaths.Build, "-I" + RepoPaths.BpfHeaders, "-c", Path.Combine(RepoPaths.Workloads, name + ".bpf.c"), "-o", output]);
            return output;
        })).Value;

    /// <summary>The workload NAME built under another file name: a process's name (comm) is its file's base name.</summary>
    public static string BuildAs(string name, string fileName) =>
        Built.GetOrAdd(name + " as " + fileName, _ => new Lazy<string>(() =>
        {
            var output = Path.Combine(OutputDirectory.Value, fileName);
            File.Copy(Build(name), output, overwrite: true); // keeps the mode on Unix
            return output;
        })).Value;

    /// <summary>Starts a workload and reads its first line ("pid=N key=value …").</summary>
    public static WorkloadProcess Start(string name, params string[] args) =>
        WorkloadProcess.Start(Build(name), args, readInfoLine: true);

    private static void Run(string tool, IReadOnlyList<string> args)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {tool}");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} {string.Join(' ', args)} failed ({process.ExitCode}):\n{stdout.Result}{stderr.Result}");
        }
    }
}
