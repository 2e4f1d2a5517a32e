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
        Assert.Equal(json.RootElement.GetProperty("total").GetInt64(), root.GetProperty("total").GetInt64());
        Assert.Equal("cpu.flamegraph", json.RootElement.GetProperty("model").GetString());
        Assert.Equal("samples", json.RootElement.GetProperty("unit").GetString());
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
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("10001")]
    [InlineData("99.5")]
    [InlineData("abc")]
    public void Invalid_frequencies_exit_2_with_the_valid_range(string hz)
    {
        var result = AgentBinary.Run(Patience, "record", "cpu", "--frequency", hz, "--duration", "1");

        Assert.Equal(2, result.ExitCode);
        // What was typed is quoted when it is not a whole number at all.
        var shown = long.TryParse(hz, out _) ? hz : $"'{hz}'";
        Assert.Contains($"source cpu: option frequency: {shown} is not valid: give a whole number from 1 to 10000 Hz (default 99)", result.Stderr);
        Assert.DoesNotContain("System.", result.Stderr);
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
        Assert.Contains("--format svg is not a format: use folded, json", badFormat.Stderr);

        var badDuration = AgentBinary.Run(Patience, "record", "cpu", "--duration", "0");
        Assert.Equal(2, badDuration.ExitCode);
        Assert.Contains("--duration 0 is not valid: give seconds above 0", badDuration.Stderr);

        var typo = AgentBinary.Run(Patience, "record", "cpuu");
        Assert.Equal(2, typo.ExitCode);
        Assert.Contains("unknown source 'cpuu' — did you mean 'cpu'? Sources: cpu", typo.Stderr);

        var nothing = AgentBinary.Run(Patience, "record");
        Assert.Equal(2, nothing.ExitCode);
        Assert.Contains("name what to record", nothing.Stderr);

        var missingValue = AgentBinary.Run(Patience, "record", "cpu", "--pid", "--duration", "1");
        Assert.Equal(2, missingValue.ExitCode);
        Assert.Contains("--pid needs a value, but the next word is the option --duration", missingValue.Stderr);

        var notAPid = AgentBinary.Run(Patience, "record", "cpu", "--pid", "abc", "--duration", "1");
        Assert.Equal(2, notAPid.ExitCode);
        Assert.Contains("--pid abc is not a process id", notAPid.Stderr);

        var otherSourcesOption = AgentBinary.Run(Patience, "record", "cpu", "--min-block-us", "5", "--duration", "1");
        Assert.Equal(2, otherSourcesOption.ExitCode);

        foreach (var result in new[] { unknownPid, badFormat, badDuration, typo, nothing, missingValue, notAPid, otherSourcesOption })
        {
            Assert.DoesNotContain("System.", result.Stderr);
            Assert.DoesNotContain("Exception", result.Stderr);
            Assert.Empty(result.Stdout);
        }
    }

    [AgentFact]
    public void An_output_that_cannot_be_written_fails_before_recording()
    {
        // With a duration of ten minutes: only a check before recording returns within the patience.
        var result = AgentBinary.Run(Patience, "record", "cpu", "--duration", "600", "-o", "/nonexistent/dir/x.folded");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--output /nonexistent/dir/x.folded: cannot write there: its directory /nonexistent/dir does not exist", result.Stderr);
        Assert.DoesNotContain("Recording", result.Stderr);
    }

    [AgentFact]
    public void Without_a_duration_it_records_until_the_process_exits()
    {
        using var workload = Workloads.Start("cpu_split", "4");

        var result = AgentBinary.Run(Patience, "record", "cpu", "--pid", workload.Pid.ToString(), "--frequency", "199");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("until Ctrl+C or until the process exits", result.Stderr);
        Assert.Contains($"pid {workload.Pid} exited", result.Stderr);
        // Four seconds of one busy thread at 199 Hz is ~800 samples; a recording cut after 0.1 s has ~20.
        Assert.True(FoldedProfile.Parse(result.Stdout).Total > 300, result.ToString());
    }

    [AgentFact]
    public void Without_a_duration_it_records_until_ctrl_c_and_writes_everything()
    {
        using var workload = Workloads.Start("cpu_split", "30");
        var output = Path.Combine(Path.GetTempPath(), $"systemscope-ctrlc-{Environment.ProcessId}.folded");
        try
        {
            using var record = AgentBinary.StartBackground("record", "cpu", "--pid", workload.Pid.ToString(), "--frequency", "199", "-o", output);

            // Three seconds of recording, counted from when it says it records (loading takes a while on a busy machine).
            record.WaitForStderr("Recording cpu", Patience);
            Thread.Sleep(TimeSpan.FromSeconds(3));
            Assert.False(record.HasExited, $"record stopped by itself: {record.Stderr}");

            record.Interrupt();
            var exit = record.WaitForExit(Patience);

            Assert.True(exit == 0, record.ToString());
            Assert.Contains("interrupted, everything collected until then is written", record.Stderr);
            var profile = FoldedProfile.Parse(File.ReadAllText(output));
            // Three seconds at 199 Hz, minus start-up: hundreds of samples; a recording cut after 0.1 s has ~20.
            Assert.True(profile.SamplesIn("spend_75") > 100, $"{profile.Total} samples after 3 s at 199 Hz: {record}");
        }
        finally
        {
            File.Delete(output);
        }
    }

    [AgentFact]
    public void A_kernel_thread_records_nothing_and_says_why()
    {
        var result = AgentBinary.Run(Patience, "record", "cpu", "--pid", "2", "--duration", "1");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("pid 2 (kthreadd) is a kernel thread", result.Stderr);
    }

    [AgentFact]
    public void Without_privilege_loading_fails_with_the_reason_and_exit_4()
    {
        // The real refusal of the kernel, as an unprivileged user meets it.
        var record = AgentBinary.RunUnprivileged(Patience, "record", "cpu", "--duration", "1");
        Assert.Equal(4, record.ExitCode);
        Assert.Contains("load: Operation not permitted (EPERM)", record.Stderr);
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

        var record = AgentBinary.Run(Patience, "record", "--help");
        Assert.Equal(0, record.ExitCode);
        foreach (var option in new[] { "--pid", "--comm", "--cgroup", "--duration", "--frequency", "--format", "--output", "--model", "folded", "json", "cpu", "On-CPU sampling" })
        {
            Assert.Contains(option, record.Stdout);
        }
    }

    private static IEnumerable<JsonElement> Flatten(JsonElement node) =>
        node.GetProperty("children").EnumerateArray().SelectMany(Flatten).Prepend(node);
}
