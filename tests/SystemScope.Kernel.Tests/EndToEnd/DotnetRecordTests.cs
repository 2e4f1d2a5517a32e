using System.Reflection;
using SystemScope.Kernel.Tests.Infrastructure;

namespace SystemScope.Kernel.Tests.EndToEnd;

/// <summary>A .NET process profiled by the published binary: its hot method appears by name, without a restart.</summary>
[Collection(KernelCollection.Name)]
public sealed class DotnetRecordTests
{
    private static readonly string HotLoopDll =
        typeof(DotnetRecordTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "DotnetHotLoopPath").Value!;

    [AgentFact]
    public void The_hot_method_of_a_running_dotnet_process_appears_by_name()
    {
        Assert.True(File.Exists(HotLoopDll), $"{HotLoopDll} is not built");
        // Started without DOTNET_PerfMapEnabled: the agent switches the perf map on over the diagnostic port.
        using var workload = WorkloadProcess.Start(HotLoopDll, [HotLoopDll, "60"], readInfoLine: false, fileName: "dotnet");
        while (workload.ReadLine() is { } line && line != "ready")
        {
        }

        var result = AgentBinary.Run(TimeSpan.FromSeconds(90), "record", "cpu", "--pid", workload.Pid.ToString(), "--duration", "6", "--frequency", "199");

        Assert.True(result.ExitCode == 0, result.ToString());
        var profile = FoldedProfile.Parse(result.Stdout);
        var hot = profile.SamplesWhere(frames => frames.Any(f => f.Contains("HotLoop::SpinInHotMethod", StringComparison.Ordinal) && f.EndsWith("_[j]", StringComparison.Ordinal)));
        // The first window may land before the perf map is written; most of the run must resolve.
        Assert.True(hot > profile.Total / 2, $"{hot} of {profile.Total} samples in the hot method:\n{result}");
    }
}
