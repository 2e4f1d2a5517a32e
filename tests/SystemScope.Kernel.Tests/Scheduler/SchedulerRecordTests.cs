using System.Text.Json;
using SystemScope.Kernel.Tests.EndToEnd;
using SystemScope.Kernel.Tests.Infrastructure;

namespace SystemScope.Kernel.Tests.Scheduler;

/// <summary><c>systemscope record offcpu|sched|wallclock</c>: the published binary against workloads with known truth.</summary>
[Collection(KernelCollection.Name)]
public sealed class SchedulerRecordTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [AgentFact]
    public void Record_offcpu_prints_folded_stacks_of_blocked_microseconds()
    {
        using var workload = Workloads.Start("work_sleep", "20", "raw");

        var result = AgentBinary.Run(Patience, "record", "offcpu", "--pid", workload.Pid.ToString(), "--duration", "5", "--format", "folded");

        Assert.True(result.ExitCode == 0, result.ToString());
        var profile = FoldedProfile.Parse(result.Stdout);
        var underNap = profile.SamplesIn("nap");
        // Values are µs blocked: ~80% of the recording's ~5 s.
        Assert.InRange(underNap / 5e6, 0.6, 0.9);
        Assert.All(profile.Stacks, s => Assert.StartsWith("[", s.Frames[^1], StringComparison.Ordinal)); // every stack ends in its state
        Assert.Contains("also recorded, not printed as folded: offcpu.wakers", result.Stderr);
    }

    [AgentFact]
    public void Record_sched_prints_tables_and_json()
    {
        using var busy = Workloads.Start("spinners", "4", "20");

        var table = AgentBinary.Run(Patience, "record", "sched", "--pid", busy.Pid.ToString(), "--duration", "3");
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("# sched.runqlat: Run-queue latency (us)", table.Stdout);
        Assert.Contains("p99 (us)", table.Stdout);
        Assert.Contains("# sched.threads: Context switches per thread (count)", table.Stdout);
        Assert.Contains("Involuntary switches", table.Stdout);

        var json = AgentBinary.Run(Patience, "record", "sched", "--pid", busy.Pid.ToString(), "--duration", "3", "--format", "json");
        Assert.True(json.ExitCode == 0, json.ToString());
        using var document = JsonDocument.Parse(json.Stdout);
        var all = document.RootElement.GetProperty("sched.runqlat").GetProperty("groups").EnumerateArray().Single(g => g.GetProperty("key").GetString() == "all");
        Assert.True(all.GetProperty("count").GetInt64() > 0);
        Assert.True(document.RootElement.GetProperty("sched.threads").GetProperty("rows").GetArrayLength() >= 4);
        Assert.Equal("log2", document.RootElement.GetProperty("sched.runqlat.heatmap").GetProperty("scale").GetString());
        Assert.NotEmpty(document.RootElement.GetProperty("sched.runqlen").GetProperty("series").EnumerateArray());
    }

    [AgentFact]
    public void Record_wallclock_shows_on_cpu_and_off_cpu_time_of_the_same_stacks_in_microseconds()
    {
        using var workload = Workloads.Start("work_sleep", "20", "raw");

        var result = AgentBinary.Run(Patience, "record", "wallclock", "--pid", workload.Pid.ToString(), "--duration", "5");

        Assert.True(result.ExitCode == 0, result.ToString());
        var profile = FoldedProfile.Parse(result.Stdout);
        long compute = profile.SamplesIn("compute"), nap = profile.SamplesIn("nap");
        Assert.True(compute > 0 && nap > 0, result.ToString());
        // Wall time splits ~20/80 between computing and sleeping.
        Assert.InRange(nap / (double)(compute + nap), 0.7, 0.9);
        Assert.Contains(profile.Stacks, s => s.Frames[^1] == "[sleeping S]");
    }

    [AgentFact]
    public void Several_flame_graphs_without_a_format_are_all_printed_as_json()
    {
        using var workload = Workloads.Start("work_sleep", "20", "raw");

        var result = AgentBinary.Run(Patience, "record", "cpu,offcpu", "--pid", workload.Pid.ToString(), "--duration", "2");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var document = JsonDocument.Parse(result.Stdout);
        Assert.Equal(["cpu.flamegraph", "offcpu.flamegraph", "offcpu.wakers", "wallclock.flamegraph"], document.RootElement.EnumerateObject().Select(p => p.Name).Order());

        var folded = AgentBinary.Run(Patience, "record", "cpu,offcpu", "--pid", workload.Pid.ToString(), "--duration", "1", "--format", "folded");
        Assert.Equal(2, folded.ExitCode);
        Assert.Contains("choose one with --model", folded.Stderr);
    }

    [AgentFact]
    public void Flame_graphs_of_stacks_deeper_than_64_frames_print_as_json()
    {
        // The JSON tree nests a level per frame: checking it with a reader's default depth (64) failed.
        using var workload = Workloads.Start("deep_stack", "120", "20");

        var result = AgentBinary.Run(Patience, "record", "offcpu", "--pid", workload.Pid.ToString(), "--duration", "2", "--format", "json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var document = JsonDocument.Parse(result.Stdout, new JsonDocumentOptions { MaxDepth = 4096 });
        Assert.True(document.RootElement.GetProperty("offcpu.flamegraph").GetProperty("total").GetInt64() > 0);
    }
}
