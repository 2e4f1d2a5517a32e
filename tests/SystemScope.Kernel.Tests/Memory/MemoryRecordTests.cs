using System.Text.Json;
using SystemScope.Kernel.Tests.EndToEnd;
using SystemScope.Kernel.Tests.Infrastructure;

namespace SystemScope.Kernel.Tests.Memory;

/// <summary><c>systemscope record memory</c>: the published binary against a workload that faults pages over and over.</summary>
[Collection(KernelCollection.Name)]
public sealed class MemoryRecordTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [AgentFact]
    public void Record_memory_without_options_prints_folded_fault_stacks()
    {
        using var workload = Workloads.Start("page_faults", "loop", "1000", "20");

        var result = AgentBinary.Run(Patience, "record", "memory", "--duration", "3");

        Assert.True(result.ExitCode == 0, result.ToString());
        var profile = FoldedProfile.Parse(result.Stdout);
        // 1000 pages every ~10 ms for 3 s: tens of thousands of faults, each ending in its kind.
        Assert.True(profile.SamplesIn("touch_pages") > 10_000, result.ToString());
        Assert.All(profile.Stacks, s => Assert.Contains(s.Frames[^1], new[] { "[minor fault]", "[major fault]" }));
        Assert.Contains("memory.processes", result.Stderr);
    }

    [AgentFact]
    public void Record_memory_as_json_has_every_model_and_a_typo_is_named()
    {
        using var workload = Workloads.Start("page_faults", "loop", "1000", "20");

        var json = AgentBinary.Run(Patience, "record", "memory", "--pid", workload.Pid.ToString(), "--duration", "3", "--format", "json");
        Assert.True(json.ExitCode == 0, json.ToString());
        using var document = JsonDocument.Parse(json.Stdout);
        Assert.Equal(["memory.faults", "memory.oom", "memory.pressure", "memory.processes", "memory.rss", "memory.stalls", "threads.breakdown"], document.RootElement.EnumerateObject().Select(p => p.Name).Order());
        Assert.True(document.RootElement.GetProperty("memory.faults").GetProperty("total").GetInt64() > 10_000);
        Assert.Equal(1, document.RootElement.GetProperty("memory.processes").GetProperty("rows").GetArrayLength());

        var typo = AgentBinary.Run(Patience, "record", "memory", "--duration", "1", "--spancap", "5");
        Assert.NotEqual(0, typo.ExitCode);
        Assert.Contains("span", typo.Stderr, StringComparison.OrdinalIgnoreCase);
    }
}
