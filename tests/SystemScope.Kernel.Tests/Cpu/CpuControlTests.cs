using SystemScope.Core.Events;
using SystemScope.Core.Events.Cpu;
using SystemScope.Core.Sessions;
using SystemScope.Kernel.Tests.Infrastructure;

namespace SystemScope.Kernel.Tests.Cpu;

[Collection(KernelCollection.Name)]
public sealed class CpuControlTests
{
    [KernelFact]
    public void Retargeting_switches_processes_live_without_reloading()
    {
        using var first = Workloads.Start("cpu_split", "600");
        using var second = Workloads.Start("cpu_split", "600");
        using var harness = SessionHarness.Start(ProcessFilter.ForPid(first.Pid));
        harness.Recorder.WaitUntil(r => r.SampleCount(first.Pid) >= 100, "samples of the first process");
        var programs = ProcessFds.BpfProgramIds();

        var switchedAt = MonotonicClock.NowNs();
        harness.SetFilter(ProcessFilter.ForPid(second.Pid));
        harness.Recorder.WaitUntil(r => r.SampleCount(second.Pid, fromNs: switchedAt) >= 100, "samples of the second process");
        harness.WaitForWindows(1);

        Assert.Equal(programs, ProcessFds.BpfProgramIds());
        Assert.True(harness.Recorder.SampleCount(first.Pid) >= 100);

        // Windows that began after the switch hold only the new target.
        var after = harness.Recorder.Samples.Where(s => s.Event.Header.TimestampNs >= switchedAt).ToList();
        Assert.NotEmpty(after);
        Assert.All(after, s => Assert.Equal(second.Pid, s.Event.Header.Pid));

        // And back to every process, still without reloading.
        var allAt = MonotonicClock.NowNs();
        harness.SetFilter(ProcessFilter.All);
        harness.Recorder.WaitUntil(
            r => r.SampleCount(first.Pid, fromNs: allAt) > 0 && r.SampleCount(second.Pid, fromNs: allAt) > 0,
            "samples of both processes");
        Assert.Equal(programs, ProcessFds.BpfProgramIds());
    }

    [KernelFact]
    public void Nothing_is_sampled_while_paused_and_sampling_resumes_after()
    {
        using var workload = Workloads.Start("cpu_split", "600");
        using var harness = SessionHarness.Start(ProcessFilter.ForPid(workload.Pid));
        harness.Recorder.WaitUntil(r => r.SampleCount(workload.Pid) >= 100, "samples before pausing");
        var programs = ProcessFds.BpfProgramIds();

        harness.Session.Pause();
        var pausedAt = MonotonicClock.NowNs();
        var atPause = harness.Cpu.ReadCounters()["samples.taken"];
        harness.WaitForWindows(3);
        var whilePaused = harness.Cpu.ReadCounters()["samples.taken"];

        // No program ran at all (the perf events are disabled), and no window begun during the pause has samples.
        Assert.Equal(atPause, whilePaused);
        Assert.Equal(0, harness.Recorder.SampleCount(fromNs: pausedAt));

        var resumedAt = MonotonicClock.NowNs();
        harness.Session.Resume();
        harness.Recorder.WaitUntil(r => r.SampleCount(workload.Pid, fromNs: resumedAt) >= 100, "samples after resuming");
        Assert.True(harness.Cpu.ReadCounters()["samples.taken"] > whilePaused);
        Assert.Equal(programs, ProcessFds.BpfProgramIds());
    }

    [KernelFact]
    public void A_throwing_subscriber_does_not_stop_the_source()
    {
        using var workload = Workloads.Start("cpu_split", "600");
        using var harness = SessionHarness.Start(ProcessFilter.ForPid(workload.Pid));
        var throwing = new ThrowingSink();
        harness.Session.DirectBus.Subscribe(throwing);
        var windows = harness.Recorder.Batches.Count;

        // The recorder still gets every window after the failing subscriber had it.
        harness.Recorder.WaitUntil(r => r.Batches.Count >= windows + 3 && throwing.Calls >= 3, "three windows delivered despite the failing subscriber");

        Assert.Equal(0, harness.Cpu.ReaderErrors);
        Assert.Equal(0, harness.Cpu.SubscriberErrors);
    }

    private sealed class ThrowingSink : IEventSink<CpuStackSample>
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public void OnEvents(ReadOnlySpan<Event<CpuStackSample>> events)
        {
            Interlocked.Increment(ref _calls);
            throw new InvalidOperationException("subscriber failure on purpose");
        }
    }
}
