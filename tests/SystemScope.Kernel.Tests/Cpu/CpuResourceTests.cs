using SystemScope.Bpf;
using SystemScope.Core.Errors;
using SystemScope.Core.Sessions;
using SystemScope.Kernel.Tests.Infrastructure;
using SystemScope.Sources.Cpu;
using SystemScope.Sources.Process;
using Xunit.Abstractions;

namespace SystemScope.Kernel.Tests.Cpu;

[Collection(KernelCollection.Name)]
public sealed class CpuResourceTests(ITestOutputHelper output)
{
    /// <summary>The kernel's per-sample counters: every accepted sample is recorded or lost, once.</summary>
    internal static long Lost(IReadOnlyDictionary<string, long> kernel) =>
        kernel["lost.counts_full"] + kernel["lost.stacks_full"] + kernel["lost.other"];

    [KernelFact]
    public void Stopping_a_session_publishes_the_last_samples_and_releases_every_kernel_object()
    {
        using var workload = Workloads.Start("cpu_split", "600");
        var before = KernelObjectCensus.CountSelf();
        var cpus = Cpus.Online().Count;

        var harness = SessionHarness.Start();
        harness.Recorder.WaitUntil(r => r.SampleCount(workload.Pid) > 0, "a window of samples");
        var during = KernelObjectCensus.CountSelf();
        harness.Dispose();
        var after = KernelObjectCensus.CountSelf();

        output.WriteLine($"before: {before}; during: {during}; after: {after}");
        Assert.Equal(before.BpfPrograms + 1 + 4, during.BpfPrograms); // cpu_sample; fork, exec, exit, rename
        Assert.Equal(before.PerfEvents + (2 * cpus), during.PerfEvents); // ours and each link's duplicate
        Assert.Equal(before.BpfLinks + cpus + 4, during.BpfLinks);
        Assert.Equal(before.BpfStats + 1, during.BpfStats);
        Assert.True(during.BpfMaps > before.BpfMaps);
        Assert.Equal(before, after);

        // Everything the kernel recorded, up to the last sample before stopping, was published.
        var kernel = harness.Cpu.KernelCounterValues;
        Assert.True(harness.Cpu.Recorded > 0);
        Assert.Equal(kernel["samples.recorded"], harness.Cpu.Recorded);
        Assert.Equal(harness.Cpu.Recorded, harness.Recorder.SampleCount());
        Assert.Equal(kernel["samples.accepted"], kernel["samples.recorded"] + Lost(kernel));
    }

    [KernelFact]
    public void Full_tables_lose_samples_and_every_sample_is_counted_once()
    {
        using var workload = Workloads.Start("many_threads", "16", "600");
        var harness = SessionHarness.Start(ProcessFilter.ForPid(workload.Pid), cpu: CpuSourceOptions.Default with { CountsMaxEntries = 4 });
        harness.Recorder.WaitUntil(_ => Lost(harness.Cpu.ReadCounters()) >= 500 && harness.Cpu.Recorded >= 100, "losses and records");
        harness.Dispose();

        var kernel = harness.Cpu.KernelCounterValues;
        output.WriteLine(string.Join(", ", kernel.Select(kv => $"{kv.Key}={kv.Value}")));
        Assert.True(kernel["lost.counts_full"] > 0);
        Assert.Equal(kernel["samples.recorded"], harness.Cpu.Recorded);
        Assert.Equal(harness.Cpu.Recorded, harness.Recorder.SampleCount());
        Assert.Equal(kernel["samples.accepted"], harness.Cpu.Recorded + Lost(kernel));

        // The session reports the losses by name, as losses.
        var reported = harness.Session.Snapshot().Sources.Single(s => s.Id == "cpu").Counters;
        Assert.Contains(reported, c => c.Name == "lost.counts_full" && c.Kind == Core.Sources.CounterKind.Lost && c.Value == kernel["lost.counts_full"]);

        // No window ever held more than the table allows.
        Assert.All(harness.Recorder.Batches, b => Assert.True(harness.Recorder.Samples.Count(s => s.Event.Header.TimestampNs == b.WindowStartNs) <= 2 * 4));
    }

    [KernelFact]
    public void Invalid_settings_and_impossible_loads_fail_start_with_clear_errors_and_hold_nothing()
    {
        KernelRequirement.EnsureRoot();
        var before = KernelObjectCensus.CountSelf();

        var invalid = Assert.Throws<InvalidRequestException>(() => SessionHarness.Start(cpu: CpuSourceOptions.Default with { CountsMaxEntries = 0 }));
        Assert.Equal("cpu source: counts table size must be at least 1", invalid.Message);

        var depth = Assert.Throws<InvalidRequestException>(() => SessionHarness.Start(cpu: CpuSourceOptions.Default with { MaxStackDepth = 500 }));
        Assert.Contains("stack depth 500 is out of range", depth.Message, StringComparison.Ordinal);

        // A table the kernel refuses to create: the error says which, with libbpf's explanation.
        var refused = Assert.Throws<UnavailableException>(() => SessionHarness.Start(cpu: CpuSourceOptions.Default with { CountsMaxEntries = uint.MaxValue }));
        output.WriteLine(refused.Message);
        output.WriteLine(refused.Detail);
        Assert.Equal("source-unavailable", refused.Code);
        // Both slots have the size; libbpf creates them in its own order.
        var map = Assert.IsType<BpfLoadException>(refused.InnerException).FailedMap;
        Assert.Contains(map, new[] { "counts_0", "counts_1" });
        Assert.StartsWith($"source cpu: object cpu_profile: load: map {map}: Argument list too long (E2BIG)", refused.Message, StringComparison.Ordinal);
        Assert.Contains($"map '{map}': failed to create", refused.Detail, StringComparison.Ordinal);

        Assert.Equal(before, KernelObjectCensus.CountSelf());
    }

    [KernelFact]
    public void The_probes_report_mechanisms_and_leave_nothing_loaded()
    {
        KernelRequirement.EnsureRoot();
        var before = KernelObjectCensus.CountSelf();

        var cpu = new CpuSourceProvider().Probe();
        var process = new ProcessSourceProvider().Probe();

        Assert.True(cpu.Available, $"{cpu.Reason}\n{cpu.Detail}");
        Assert.Equal(["perf_event cpu-clock"], cpu.Mechanisms);
        Assert.True(process.Available, $"{process.Reason}\n{process.Detail}");
        Assert.Contains("tp_btf/sched_process_exec", process.Mechanisms);
        Assert.Equal(before, KernelObjectCensus.CountSelf());
    }
}
