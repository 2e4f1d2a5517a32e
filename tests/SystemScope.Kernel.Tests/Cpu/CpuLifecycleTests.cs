using SystemScope.Core.Events;
using SystemScope.Core.Events.Process;
using SystemScope.Core.Sessions;
using SystemScope.Kernel.Tests.Infrastructure;
using SystemScope.Sources.Process;

namespace SystemScope.Kernel.Tests.Cpu;

/// <summary>The CPU source and the process source together: what symbolisation relies on.</summary>
[Collection(KernelCollection.Name)]
public sealed class CpuLifecycleTests
{
    [KernelTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void Exec_seen_and_exit_arrive_in_order_around_the_samples(bool rawTracepoints)
    {
        // A shell that waits for a line, then replaces itself with the workload (same pid), which
        // runs for two seconds of its own and exits.
        var binary = Workloads.Build("cpu_split");
        using var shell = WorkloadProcess.Start("/bin/sh", ["-c", "read line; exec \"$0\" 2", binary], readInfoLine: false);
        var startedAt = MonotonicClock.NowNs();
        using var harness = SessionHarness.Start(
            ProcessFilter.ForPid(shell.Pid),
            process: ProcessSourceOptions.Default with { ForceRawTracepoints = rawTracepoints });
        var mechanism = rawTracepoints ? "raw_tp" : "tp_btf";
        Assert.Equal(["perf_event cpu-clock", "unwind: .eh_frame tables in BPF, frame pointers where a file has none"], harness.Cpu.Mechanisms);
        Assert.Equal(
            [$"{mechanism}/sched_process_exec", $"{mechanism}/sched_process_exit", $"{mechanism}/sched_process_fork", $"{mechanism}/task_rename"],
            harness.Process.Mechanisms.Order(StringComparer.Ordinal));
        harness.WaitForWindows(1);

        shell.WriteLine("go");
        harness.Recorder.WaitUntil(
            r => r.Lifecycle.Any(e => e.Event.Header.Pid == shell.Pid && e.Event.Payload.Change == ProcessChange.Exit),
            "the workload's exit");
        Assert.Equal(0, shell.WaitForExit(EventRecorder.Patience));
        harness.WaitForWindows(2); // the last samples it left in the kernel
        var endedAt = MonotonicClock.NowNs();

        var all = harness.Recorder.Lifecycle.Where(e => e.Event.Header.Pid == shell.Pid).ToList();
        var execAt = all.FindIndex(e => e.Event.Payload.Change == ProcessChange.Exec);
        Assert.True(execAt >= 0, "an exec event");

        // The shell may have been sampled (and announced) before the exec event: as "sh", or as
        // "cpu_split" when the sample fell inside execve after the name changed.
        Assert.All(all.Take(execAt), e =>
        {
            Assert.Equal(ProcessChange.Seen, e.Event.Payload.Change);
            Assert.Contains(e.Event.Payload.Name, new[] { "sh", "cpu_split" });
        });
        var events = all.Skip(execAt).ToList();
        Assert.Equal(
            [ProcessChange.Exec, ProcessChange.Seen, ProcessChange.ThreadExit, ProcessChange.Exit],
            events.Select(e => e.Event.Payload.Change));
        Assert.All(events, e => Assert.Equal("cpu_split", e.Event.Payload.Name));
        Assert.All(events, e => Assert.Equal(shell.Pid, e.Event.Header.Tid));
        Assert.All(events, e => Assert.InRange(e.Event.Header.TimestampNs, startedAt, endedAt));
        Assert.Equal(ProcessLifecycle.ExecKind, events[0].Event.Header.Kind);
        Assert.Equal(ProcessLifecycle.SeenKind, events[1].Event.Header.Kind);
        Assert.Equal(ProcessLifecycle.ExitKind, events[3].Event.Header.Kind);
        Assert.True(events[0].Event.Header.TimestampNs < events[3].Event.Header.TimestampNs);

        // Samples published after the exec carry the new name (a sample taken during the exec itself
        // may be drained after it: names are by process at publication).
        var samples = harness.Recorder.Samples.Where(s => s.Event.Header.Pid == shell.Pid && s.Seq > events[0].Seq).ToList();
        Assert.NotEmpty(samples);
        Assert.All(samples, s => Assert.Equal("cpu_split", s.Event.Payload.ProcessName));
        CpuSamplingTests.AssertSeenBeforeFirstSample(harness.Recorder);
        Assert.True(harness.Session.TargetExited);
    }
}
