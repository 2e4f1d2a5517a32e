using SystemScope.Core.Events;
using SystemScope.Core.Events.Cpu;
using SystemScope.Core.Sessions;
using SystemScope.Core.Sources;
using SystemScope.Kernel.Tests.Infrastructure;
using SystemScope.Sources.Cpu;

namespace SystemScope.Kernel.Tests.Cpu;

[Collection(KernelCollection.Name)]
public sealed class CpuControlTests
{
    [KernelFact]
    public void Retargeting_switches_processes_live_without_reloading()
    {
        using var first = Workloads.Start("cpu_split", "600");
        using var second = Workloads.Start("cpu_split", "600");
        using var harness = CpuHarness.Start(new SessionSpec { Target = ProcessTarget.Process(first.Pid), FrequencyHz = 999 });
        harness.Recorder.WaitUntil(r => r.SampleCount(first.Pid) >= 100, "samples of the first process");
        var programs = ProcessFds.BpfProgramIds();

        var switchedAt = MonotonicClock.NowNs();
        harness.Source.Retarget(ProcessTarget.Process(second.Pid));
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
        harness.Source.Retarget(ProcessTarget.AllProcesses);
        harness.Recorder.WaitUntil(
            r => r.SampleCount(first.Pid, fromNs: allAt) > 0 && r.SampleCount(second.Pid, fromNs: allAt) > 0,
            "samples of both processes");
        Assert.Equal(programs, ProcessFds.BpfProgramIds());
    }

    [KernelFact]
    public void Nothing_is_sampled_while_paused_and_sampling_resumes_after()
    {
        using var workload = Workloads.Start("cpu_split", "600");
        using var harness = CpuHarness.Start(new SessionSpec { Target = ProcessTarget.Process(workload.Pid), FrequencyHz = 999 });
        harness.Recorder.WaitUntil(r => r.SampleCount(workload.Pid) >= 100, "samples before pausing");
        var programs = ProcessFds.BpfProgramIds();

        harness.Source.Pause();
        var pausedAt = MonotonicClock.NowNs();
        var atPause = harness.Source.ReadCounters();
        harness.WaitForWindows(3);
        var whilePaused = harness.Source.ReadCounters();

        // No program ran at all (the perf events are disabled), and no window begun during the pause has samples.
        Assert.Equal(atPause.Samples, whilePaused.Samples);
        Assert.Equal(0, harness.Recorder.SampleCount(fromNs: pausedAt));

        var resumedAt = MonotonicClock.NowNs();
        harness.Source.Resume();
        harness.Recorder.WaitUntil(r => r.SampleCount(workload.Pid, fromNs: resumedAt) >= 100, "samples after resuming");
        Assert.True(harness.Source.ReadCounters().Samples > whilePaused.Samples);
        Assert.Equal(programs, ProcessFds.BpfProgramIds());
    }

    [KernelFact]
    public void A_throwing_subscriber_does_not_stop_the_source()
    {
        KernelRequirement.EnsureRoot();
        using var workload = Workloads.Start("cpu_split", "600");
        var bus = new EventBus();
        bus.Subscribe(new ThrowingSink());
        var recorder = EventRecorder.AttachTo(bus);
        using var source = (CpuSource)new CpuSourceProvider().Create(
            new SourceContext(new SessionSpec { Target = ProcessTarget.Process(workload.Pid), FrequencyHz = 999 }, bus, Environment.ProcessId));
        source.Start();

        // The failure is counted after every subscriber had the batch, so wait for both.
        recorder.WaitUntil(r => r.Batches.Count >= 3 && source.SubscriberErrors >= 3, "three windows delivered despite the failing subscriber");

        Assert.Equal(0, source.ReaderErrors);
        Assert.IsType<AggregateException>(source.LastError);
    }

    private sealed class ThrowingSink : IEventSink<CpuStackSample>
    {
        public void OnEvents(ReadOnlySpan<Event<CpuStackSample>> events) =>
            throw new InvalidOperationException("subscriber failure on purpose");
    }
}
