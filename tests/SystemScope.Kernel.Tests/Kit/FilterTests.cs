using SystemScope.Core.Events;
using SystemScope.Core.Sessions;
using SystemScope.Kernel.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SystemScope.Kernel.Tests.Kit;

/// <summary>The session's filter, applied in the kernel by every source: busy workloads it must keep out, and ones it must let in.</summary>
[Collection(KernelCollection.Name)]
public sealed class FilterTests(ITestOutputHelper output)
{
    private const long Enough = 100;

    [KernelFact]
    public void Several_pids_are_sampled_and_a_busy_process_outside_them_is_not()
    {
        using var first = Workloads.Start("cpu_split", "600");
        using var outside = Workloads.Start("cpu_split", "600");
        using var second = Workloads.Start("cpu_split", "600");
        using var harness = SessionHarness.Start(ProcessFilter.ForPids(first.Pid, second.Pid));

        harness.Recorder.WaitUntil(r => r.SampleCount(first.Pid) >= Enough && r.SampleCount(second.Pid) >= Enough, "samples of both pids");
        harness.WaitForWindows(1);

        Assert.Equal(0, harness.Recorder.SampleCount(outside.Pid));
        Assert.Equal([first.Pid, second.Pid], harness.Recorder.Samples.Select(s => s.Event.Header.Pid).Distinct().Order());
        Assert.True(harness.Cpu.ReadCounters()["samples.skipped"] > 0, "the third process was sampled and skipped in the kernel");
    }

    [KernelFact]
    public void A_name_prefix_admits_the_processes_whose_name_starts_with_it()
    {
        using var alpha = WorkloadProcess.Start(Workloads.BuildAs("cpu_split", "ssalpha_burner"), ["600"], readInfoLine: true);
        using var beta = WorkloadProcess.Start(Workloads.BuildAs("cpu_split", "ssbeta_burner"), ["600"], readInfoLine: true);
        using var harness = SessionHarness.Start(new ProcessFilter { Comm = "ssalpha" });

        harness.Recorder.WaitUntil(r => r.SampleCount(alpha.Pid) >= Enough, "samples of ssalpha_burner");
        harness.WaitForWindows(1);

        Assert.Equal(0, harness.Recorder.SampleCount(beta.Pid));
        Assert.All(harness.Recorder.Samples, s => Assert.StartsWith("ssalpha", s.Event.Payload.ProcessName, StringComparison.Ordinal));
    }

    [KernelFact]
    public void A_cgroup_admits_the_processes_in_it_and_in_its_descendants()
    {
        using var cgroup = TestCgroup.Create();
        using var inside = Workloads.Start("cpu_split", "600");
        using var outside = Workloads.Start("cpu_split", "600");
        cgroup.Move(inside.Pid);

        // The filter names the parent; the process sits in its child.
        using var harness = SessionHarness.Start(new ProcessFilter { Cgroup = cgroup.Path });
        var resolved = harness.Session.Filter.Current.CgroupRef!.Value;
        output.WriteLine($"{cgroup.Path}: id {resolved.Id}, level {resolved.Level}");
        Assert.Equal(1, resolved.Level);

        harness.Recorder.WaitUntil(r => r.SampleCount(inside.Pid) >= Enough, "samples of the process in the cgroup");
        harness.WaitForWindows(1);

        Assert.Equal(0, harness.Recorder.SampleCount(outside.Pid));
        Assert.Equal([inside.Pid], harness.Recorder.Samples.Select(s => s.Event.Header.Pid).Distinct());
    }

    [KernelFact]
    public void Name_and_pids_together_admit_only_what_matches_both()
    {
        using var alpha = WorkloadProcess.Start(Workloads.BuildAs("cpu_split", "ssalpha_burner"), ["600"], readInfoLine: true);
        using var alphaToo = WorkloadProcess.Start(Workloads.BuildAs("cpu_split", "ssalpha_burner"), ["600"], readInfoLine: true);
        using var beta = WorkloadProcess.Start(Workloads.BuildAs("cpu_split", "ssbeta_burner"), ["600"], readInfoLine: true);
        using var harness = SessionHarness.Start(new ProcessFilter { Pids = [alpha.Pid, beta.Pid], Comm = "ssalpha" });

        harness.Recorder.WaitUntil(r => r.SampleCount(alpha.Pid) >= Enough, "samples of the one process matching both");
        harness.WaitForWindows(1);

        Assert.Equal([alpha.Pid], harness.Recorder.Samples.Select(s => s.Event.Header.Pid).Distinct());
    }

    [KernelFact]
    public void A_live_change_applies_to_windows_that_begin_after_it()
    {
        using var a = Workloads.Start("cpu_split", "600");
        using var b = WorkloadProcess.Start(Workloads.BuildAs("cpu_split", "ssbeta_burner"), ["600"], readInfoLine: true);
        using var c = Workloads.Start("cpu_split", "600");
        using var harness = SessionHarness.Start(ProcessFilter.ForPids(a.Pid, b.Pid));
        harness.Recorder.WaitUntil(r => r.SampleCount(a.Pid) >= Enough && r.SampleCount(b.Pid) >= Enough, "samples of a and b");
        var programs = ProcessFds.BpfProgramIds();

        // From {a, b} to {b, c}: b stays in, a leaves, c joins.
        var switchedAt = MonotonicClock.NowNs();
        harness.SetFilter(ProcessFilter.ForPids(b.Pid, c.Pid));
        harness.Recorder.WaitUntil(r => r.SampleCount(c.Pid, switchedAt) >= Enough && r.SampleCount(b.Pid, switchedAt) >= Enough, "samples of b and c");
        Assert.Equal([b.Pid, c.Pid], harness.Recorder.Samples.Where(s => s.Event.Header.TimestampNs >= switchedAt).Select(s => s.Event.Header.Pid).Distinct().Order());

        // From pids to a name: only b's name matches.
        var renamedAt = MonotonicClock.NowNs();
        harness.SetFilter(new ProcessFilter { Comm = "ssbeta" });
        harness.Recorder.WaitUntil(r => r.SampleCount(b.Pid, renamedAt) >= Enough, "samples of b by name");
        harness.WaitForWindows(1);
        Assert.Equal([b.Pid], harness.Recorder.Samples.Where(s => s.Event.Header.TimestampNs >= renamedAt).Select(s => s.Event.Header.Pid).Distinct());
        Assert.Equal(programs, ProcessFds.BpfProgramIds());
    }
}
