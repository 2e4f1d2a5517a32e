using System.Reflection;
using SystemScope.Kernel.Tests.EndToEnd;
using SystemScope.Kernel.Tests.Infrastructure;

namespace SystemScope.Kernel.Tests.Runtimes;

/// <summary>
/// A .NET process spending its time in precompiled framework code, profiled by the published binary:
/// the framework method appears by name, read from the ReadyToRun image, not as <c>System.Private.CoreLib.dll+0x…</c>.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class ReadyToRunRecordTests
{
    private static readonly string CoreLibHotDll =
        typeof(ReadyToRunRecordTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "DotnetCoreLibHotPath").Value!;

    [AgentFact]
    public void A_hot_precompiled_corelib_method_of_a_running_process_appears_by_name()
    {
        Assert.True(File.Exists(CoreLibHotDll), $"{CoreLibHotDll} is not built");

        // Started before the agent, with no variables: nothing asks the runtime for names.
        using var workload = WorkloadProcess.Start(CoreLibHotDll, [CoreLibHotDll, "60"], readInfoLine: false, fileName: "dotnet");
        while (workload.ReadLine() is { } line && line != "ready")
        {
        }

        var result = AgentBinary.Run(TimeSpan.FromSeconds(90), "record", "cpu", "--pid", workload.Pid.ToString(), "--duration", "5", "--frequency", "199");

        Assert.True(result.ExitCode == 0, result.ToString());
        var profile = FoldedProfile.Parse(result.Stdout);
        var hashing = profile.SamplesWhere(frames => frames.Any(f =>
            (f.StartsWith("System.Marvin::ComputeHash32(", StringComparison.Ordinal) || f.StartsWith("System.String::GetHashCode()", StringComparison.Ordinal))
            && f.EndsWith("_[j]", StringComparison.Ordinal)));
        var unnamed = profile.SamplesWhere(frames => frames.Any(f => f.StartsWith("System.Private.CoreLib.dll+0x", StringComparison.Ordinal)));
        Assert.True(hashing > profile.Total / 2, $"{hashing} of {profile.Total} samples in the hash method:\n{result}");
        Assert.True(unnamed == 0, $"{unnamed} samples with an unnamed CoreLib frame:\n{result}");
    }
}
