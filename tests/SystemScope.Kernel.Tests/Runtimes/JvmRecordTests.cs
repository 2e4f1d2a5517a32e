using System.Diagnostics;
using SystemScope.Kernel.Tests.EndToEnd;
using SystemScope.Kernel.Tests.Infrastructure;

namespace SystemScope.Kernel.Tests.Runtimes;

/// <summary>
/// A Java program (the machine's JDK) started before the agent with no flags, profiled by the
/// published binary: its hot method appears by name through the perf map the agent asks the JVM for,
/// and the map is gone when the recording ends.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class JvmRecordTests
{
    [AgentFact]
    public void The_hot_method_of_a_running_jvm_appears_by_name_and_its_perf_map_is_removed_afterwards()
    {
        var classes = Directory.CreateTempSubdirectory("systemscope-java-").FullName;
        try
        {
            Compile(Path.Combine(RepoPaths.Workloads, "java", "JavaHotLoop.java"), classes);
            using var workload = WorkloadProcess.Start("java", ["-cp", classes, "JavaHotLoop"], readInfoLine: false);
            while (workload.ReadLine() is { } line && line != "ready")
            {
            }

            var result = AgentBinary.Run(TimeSpan.FromSeconds(90), "record", "cpu", "--pid", workload.Pid.ToString(), "--duration", "5", "--frequency", "199");

            Assert.True(result.ExitCode == 0, result.ToString());
            var profile = FoldedProfile.Parse(result.Stdout);
            var hot = profile.SamplesWhere(frames => frames.Any(f => f.Contains("JavaHotLoop.spinInHotMethod(long)", StringComparison.Ordinal) && f.EndsWith("_[j]", StringComparison.Ordinal)));
            Assert.True(hot > profile.Total / 2, $"{hot} of {profile.Total} samples in the hot method:\n{result}");
            Assert.False(File.Exists($"/tmp/perf-{workload.Pid}.map"), "the perf map the agent caused must be removed when the recording ends");
            Assert.False(workload.HasExited);
        }
        finally
        {
            Directory.Delete(classes, recursive: true);
        }
    }

    private static void Compile(string source, string output)
    {
        using var javac = Process.Start(new ProcessStartInfo("javac", ["-d", output, source]) { RedirectStandardError = true }) ?? throw new InvalidOperationException("cannot start javac");
        var errors = javac.StandardError.ReadToEnd();
        javac.WaitForExit();
        Assert.True(javac.ExitCode == 0, $"javac failed: {errors}");
    }
}
