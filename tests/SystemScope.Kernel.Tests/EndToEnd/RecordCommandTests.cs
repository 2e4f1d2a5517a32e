using System.Text.Json;
using SystemScope.Kernel.Tests.Infrastructure;

namespace SystemScope.Kernel.Tests.EndToEnd;

/// <summary><c>systemscope record cpu</c>, the published binary against workloads with known truth.</summary>
[Collection(KernelCollection.Name)]
public sealed class RecordCommandTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [AgentFact]
    public void Folded_profile_of_a_pid_shows_the_75_25_split_root_first()
    {
        using var workload = Workloads.Start("cpu_split", "12");

        var result = AgentBinary.Run(Patience, "record", "cpu", "--pid", workload.Pid.ToString(), "--duration", "6", "--frequency", "199", "--format", "folded");

        Assert.True(result.ExitCode == 0, result.ToString());
        var profile = FoldedProfile.Parse(result.Stdout);
        long hot = profile.SamplesIn("spend_75"), cold = profile.SamplesIn("spend_25");
        // The rest is clock_gettime, whose syscall frames lose their caller (libc keeps no frame pointer).
        Assert.True(hot + cold > 0.8 * profile.Total, $"spend_75 {hot} + spend_25 {cold} of {profile.Total}: {result}");
        var share = 100.0 * hot / (hot + cold);
        Assert.InRange(share, 70, 80);
        // Root first: main calls both, so main comes before them on every line that has them.
        Assert.All(profile.Stacks.Where(s => s.Frames.Contains("spend_75")), s => Assert.True(Array.IndexOf(s.Frames, "main") < Array.IndexOf(s.Frames, "spend_75"), string.Join(';', s.Frames)));
        // Only this process: with --pid there is no process-name root frame.
        Assert.DoesNotContain(profile.Stacks, s => s.Frames[0] == "cpu_split");
        Assert.Contains("samples", result.Stderr);
    }

    [AgentFact]
    public void Without_a_pid_every_process_is_profiled_under_its_name()
    {
        using var workload = Workloads.Start("cpu_split", "10");
        using var other = Workloads.Start("syscall_loop", "read", "10");

        var result = AgentBinary.Run(Patience, "record", "cpu", "--duration", "4");

        Assert.True(result.ExitCode == 0, result.ToString());
        var profile = FoldedProfile.Parse(result.Stdout);
        Assert.True(profile.SamplesWhere(f => f[0] == "cpu_split" && f.Contains("spend_75")) > 0, result.ToString());
        Assert.True(profile.SamplesWhere(f => f[0] == "syscall_loop") > 0, result.ToString());
    }

    [AgentFact]
    public void Kernel_frames_follow_user_frames_and_are_marked()
    {
        using var workload = Workloads.Start("syscall_loop", "read", "10");

        var result = AgentBinary.Run(Patience, "record", "cpu", "--pid", workload.Pid.ToString(), "--duration", "3", "--frequency", "499");

        Assert.True(result.ExitCode == 0, result.ToString());
        var profile = FoldedProfile.Parse(result.Stdout);
        var withKernel = profile.Stacks.Where(s => s.Frames.Any(f => f.EndsWith("_[k]", StringComparison.Ordinal))).ToList();
        Assert.True(withKernel.Sum(s => s.Count) > profile.Total / 4, result.ToString());
        foreach (var (frames, _) in withKernel)
        {
            var firstKernel = Array.FindIndex(frames, f => f.EndsWith("_[k]", StringComparison.Ordinal));
            Assert.True(firstKernel > 0, $"a user frame precedes the kernel: {string.Join(';', frames)}");
            Assert.All(frames[firstKernel..], f => Assert.EndsWith("_[k]", f));
        }

        // read_zero_loop itself is skipped by frame-pointer unwinding: libc's read() keeps no frame.
        Assert.Contains(withKernel, s => s.Frames.Contains("main") && s.Frames.Contains("read"));
    }

    [AgentFact]
    public void Json_format_prints_the_same_call_tree_as_nested_nodes()
    {
        using var workload = Workloads.Start("cpu_split", "10");

        var result = AgentBinary.Run(Patience, "record", "cpu", "--pid", workload.Pid.ToString(), "--duration", "3", "--format", "json");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(result.Stdout);
        var root = json.RootElement.GetProperty("root");
        Assert.Equal("cpu.flamegraph", json.RootElement.GetProperty("model").GetString());
        Assert.Equal(json.RootElement.GetProperty("total").GetInt64(), root.GetProperty("total").GetInt64());
        var nodes = Flatten(root).ToList();
        var hot = Assert.Single(nodes, n => n.GetProperty("name").GetString() == "spend_75");
        Assert.Equal("native", hot.GetProperty("kind").GetString());
        Assert.True(hot.GetProperty("total").GetInt64() > 0);
        // Every node's total is its self plus its children's totals.
        Assert.All(nodes, n => Assert.Equal(n.GetProperty("total").GetInt64(), n.GetProperty("self").GetInt64() + n.GetProperty("children").EnumerateArray().Sum(c => c.GetProperty("total").GetInt64())));
    }

    [AgentFact]
    public void A_pid_that_exits_ends_the_recording_with_its_profile()
    {
        using var workload = Workloads.Start("cpu_split", "2");

        var result = AgentBinary.Run(Patience, "record", "cpu", "--pid", workload.Pid.ToString(), "--duration", "60");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"pid {workload.Pid} exited", result.Stderr);
        Assert.True(FoldedProfile.Parse(result.Stdout).SamplesIn("spend_75") > 0, result.ToString());
    }

    [AgentTheory]
    [InlineData("0", "source cpu: option frequency: 0 is not valid")]
    [InlineData("-5", "source cpu: option frequency: -5 is not valid")]
    [InlineData("10001", "source cpu: option frequency: 10001 is not valid")]
    public void Invalid_frequencies_exit_2_with_the_valid_range(string hz, string message)
    {
        var result = AgentBinary.Run(Patience, "record", "cpu", "--frequency", hz, "--duration", "1");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Stderr);
        Assert.Contains("1 to 10000 Hz", result.Stderr);
        Assert.Empty(result.Stdout);
    }

    [AgentFact]
    public void Bad_input_gets_specific_messages_and_exit_codes()
    {
        var unknownPid = AgentBinary.Run(Patience, "record", "cpu", "--pid", "999999", "--duration", "1");
        Assert.Equal(3, unknownPid.ExitCode);
        Assert.Contains("no process with pid 999999", unknownPid.Stderr);

        var badFormat = AgentBinary.Run(Patience, "record", "cpu", "--format", "svg", "--duration", "1");
        Assert.Equal(2, badFormat.ExitCode);
        Assert.Contains("svg", badFormat.Stderr);

        var badDuration = AgentBinary.Run(Patience, "record", "cpu", "--duration", "0");
        Assert.Equal(2, badDuration.ExitCode);
        Assert.Contains("--duration 0 is not valid", badDuration.Stderr);

        var unknownSource = AgentBinary.Run(Patience, "record", "gpu2");
        Assert.Equal(2, unknownSource.ExitCode);
        Assert.Contains("gpu2", unknownSource.Stderr);
    }

    [AgentFact]
    public void Without_privilege_loading_fails_with_the_reason_and_exit_4()
    {
        // The real refusal of the kernel, as an unprivileged user meets it.
        var record = AgentBinary.RunUnprivileged(Patience, "record", "cpu", "--duration", "1");
        Assert.Equal(4, record.ExitCode);
        // The session's shared maps are created first, by the process source, which every session has.
        Assert.Contains("source process: object session_maps: load: Operation not permitted (EPERM)", record.Stderr);
        Assert.Contains("needs root, or CAP_BPF with CAP_PERFMON", record.Stderr);
        Assert.Empty(record.Stdout);

        var capabilities = AgentBinary.RunUnprivileged(Patience, "capabilities");
        Assert.Equal(4, capabilities.ExitCode);
        Assert.Contains("no  cpu", capabilities.Stdout);
        Assert.Contains("needs root, or CAP_BPF with CAP_PERFMON", capabilities.Stdout);
    }

    [AgentFact]
    public void Help_explains_the_commands_and_options()
    {
        var root = AgentBinary.Run(Patience, "--help");
        Assert.Equal(0, root.ExitCode);
        Assert.Contains("serve", root.Stdout);
        Assert.Contains("record", root.Stdout);

        var record = AgentBinary.Run(Patience, "record", "cpu", "--help");
        Assert.Equal(0, record.ExitCode);
        foreach (var option in new[] { "--pid", "--duration", "--frequency", "--format", "folded", "json" })
        {
            Assert.Contains(option, record.Stdout);
        }
    }

    private static IEnumerable<JsonElement> Flatten(JsonElement node) =>
        node.GetProperty("children").EnumerateArray().SelectMany(Flatten).Prepend(node);
}
