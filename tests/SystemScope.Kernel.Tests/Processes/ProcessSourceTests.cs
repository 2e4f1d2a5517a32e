using System.Globalization;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Process;
using SystemScope.Core.Sessions;
using SystemScope.Kernel.Tests.Infrastructure;
using SystemScope.Sources.Process;
using Xunit.Abstractions;

namespace SystemScope.Kernel.Tests.Processes;

/// <summary>The process lifecycle source on its own, against workloads whose lives are known step by step.</summary>
[Collection(KernelCollection.Name)]
public sealed class ProcessSourceTests(ITestOutputHelper output)
{
    [KernelTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void Threads_renames_forks_exec_and_exit_of_a_filtered_process_arrive_in_order_with_their_ids(bool rawTracepoints)
    {
        using var workload = Workloads.Start("lifecycle");
        using var harness = SessionHarness.Start(
            ProcessFilter.ForPid(workload.Pid),
            withCpu: false,
            process: ProcessSourceOptions.Default with { ForceRawTracepoints = rawTracepoints });

        workload.WriteLine("go");
        var ids = Info(workload.ReadLine());
        int worker = ids["tid"], child = ids["child"], pid = workload.Pid;
        workload.WriteLine("exec");
        Assert.Equal("stage2", workload.ReadLine());
        workload.WriteLine("exit");
        Assert.Equal(0, workload.WaitForExit(EventRecorder.Patience));
        harness.Recorder.WaitUntil(r => r.LifecycleOf(pid).Any(e => e.Payload.Change == ProcessChange.Exit), "the exit");

        var events = harness.Recorder.Lifecycle.Select(e => e.Event).Where(e => e.Header.Pid == pid || e.Header.Pid == child).ToList();
        foreach (var e in events)
        {
            output.WriteLine($"{e.Payload.Change} pid {e.Header.Pid} tid {e.Header.Tid} '{e.Payload.Name}' parent {e.Payload.ParentPid} {e.Cause}");
        }

        // The main thread renames the worker through /proc: a task other than the current one, which
        // only the tp_btf program can check against the filter (raw_tp sees renames of current only).
        var expected = new List<(ProcessChange, int Pid, int Tid, string Name)> { (ProcessChange.ThreadStart, pid, worker, "lifecycle") };
        if (!rawTracepoints)
        {
            expected.Add((ProcessChange.Rename, pid, worker, "ss_worker"));
        }

        expected.AddRange(
        [
            (ProcessChange.ThreadExit, pid, worker, "ss_worker"),
            (ProcessChange.Rename, pid, pid, "ss_renamed"),
            (ProcessChange.Fork, child, child, "ss_renamed"),
            (ProcessChange.Exec, pid, pid, "lifecycle"),
            (ProcessChange.ThreadExit, pid, pid, "lifecycle"),
            (ProcessChange.Exit, pid, pid, "lifecycle"),
        ]);
        Assert.Equal(expected, events.Select(e => (e.Payload.Change, e.Header.Pid, e.Header.Tid, e.Payload.Name)));

        var fork = events.Single(e => e.Payload.Change == ProcessChange.Fork);
        Assert.Equal(pid, fork.Payload.ParentPid);
        Assert.Equal(new CausalLink(CausalRelation.ForkedFrom, pid, pid, fork.Header.TimestampNs), fork.Cause);
        var start = events.First();
        Assert.Equal(new CausalLink(CausalRelation.ForkedFrom, pid, pid, start.Header.TimestampNs), start.Cause);
        Assert.All(events, e => Assert.Equal(ProcessLifecycle.KindOf(e.Payload.Change), e.Header.Kind));
        Assert.True(events.Zip(events.Skip(1)).All(p => p.First.Header.TimestampNs <= p.Second.Header.TimestampNs), "timestamps in order");
        Assert.True(harness.Session.TargetExited);
    }

    [KernelFact]
    public void Without_a_filter_the_child_is_followed_through_exec_to_exit()
    {
        using var workload = Workloads.Start("lifecycle");
        using var harness = SessionHarness.Start(withCpu: false);

        workload.WriteLine("go");
        var child = Info(workload.ReadLine())["child"];
        harness.Recorder.WaitUntil(r => r.LifecycleOf(child).Any(e => e.Payload.Change == ProcessChange.Exit), "the child's exit");

        var events = harness.Recorder.LifecycleOf(child);
        Assert.Equal(
            [(ProcessChange.Fork, "ss_renamed"), (ProcessChange.Exec, "true"), (ProcessChange.ThreadExit, "true"), (ProcessChange.Exit, "true")],
            events.Select(e => (e.Payload.Change, e.Payload.Name)));
        Assert.Equal(workload.Pid, events[0].Payload.ParentPid);
        Assert.All(events, e => Assert.Equal(child, e.Header.Tid));
    }

    [KernelFact]
    public void A_process_whose_threads_exit_together_exits_once()
    {
        const int Threads = 16;

        // Filtered by name from the start, so that its exec and every thread are in sight.
        var binary = Workloads.BuildAs("many_threads", "ss_manythreads");
        using var harness = SessionHarness.Start(new ProcessFilter { Comm = "ss_manythr" }, withCpu: false);
        using var workload = WorkloadProcess.Start(binary, [Threads.ToString(CultureInfo.InvariantCulture), "1"], readInfoLine: true);
        Assert.Equal(0, workload.WaitForExit(EventRecorder.Patience));
        harness.Recorder.WaitUntil(r => r.LifecycleOf(workload.Pid).Any(e => e.Payload.Change == ProcessChange.Exit), "the exit");
        harness.Process.Reader!.Drain(); // a duplicate exit would be in the ring by now

        var events = harness.Recorder.LifecycleOf(workload.Pid);
        var counts = events.GroupBy(e => e.Payload.Change).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine(string.Join(", ", counts.Select(kv => $"{kv.Key} {kv.Value}")));
        Assert.Equal(ProcessChange.Exec, events[0].Payload.Change);
        Assert.Equal(Threads, counts[ProcessChange.ThreadStart]);
        Assert.Equal(Threads + 1, counts[ProcessChange.ThreadExit]);
        Assert.Equal(1, counts[ProcessChange.Exit]);
        Assert.Equal(ProcessChange.Exit, events[^1].Payload.Change);
        Assert.All(events, e => Assert.Equal("ss_manythreads", e.Payload.Name));
    }

    [KernelFact]
    public void Lifecycle_keeps_flowing_while_the_session_is_paused()
    {
        using var harness = SessionHarness.Start(withCpu: false);
        harness.Session.Pause();
        using var workload = Workloads.Start("lifecycle");
        workload.WriteLine("go");
        var child = Info(workload.ReadLine())["child"];

        // Symbolisation and "the target exited" depend on these even while nothing is sampled.
        harness.Recorder.WaitUntil(r => r.LifecycleOf(child).Any(e => e.Payload.Change == ProcessChange.Exit), "the child's exit while paused");
    }

    private static Dictionary<string, int> Info(string? line) =>
        (line ?? throw new InvalidOperationException("the workload ended early"))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('='))
            .ToDictionary(kv => kv[0], kv => int.Parse(kv[1], CultureInfo.InvariantCulture));
}
