using SystemScope.Bpf;
using SystemScope.Core.Errors;
using SystemScope.Core.Events;
using SystemScope.Core.Sessions;
using SystemScope.Core.Sources;
using SystemScope.Kernel.Tests.Infrastructure;
using SystemScope.Sources.Cpu;
using Xunit.Abstractions;

namespace SystemScope.Kernel.Tests.Cpu;

[Collection(KernelCollection.Name)]
public sealed class CpuResourceTests(ITestOutputHelper output)
{
    [KernelFact]
    public void Dispose_publishes_the_last_samples_and_releases_every_kernel_object()
    {
        using var workload = Workloads.Start("cpu_split", "600");
        var before = KernelObjectCensus.CountSelf();
        var cpus = Cpus.Online().Count;

        var harness = CpuHarness.Start(new SessionSpec { FrequencyHz = 999 });
        harness.Recorder.WaitUntil(r => r.SampleCount(workload.Pid) > 0, "a window of samples");
        var during = KernelObjectCensus.CountSelf();
        harness.Dispose();
        var after = KernelObjectCensus.CountSelf();

        output.WriteLine($"before: {before}; during: {during}; after: {after}");
        Assert.Equal(before.BpfPrograms + 3, during.BpfPrograms);
        Assert.Equal(before.PerfEvents + (2 * cpus), during.PerfEvents); // ours and each link's duplicate
        Assert.Equal(before.BpfLinks + cpus + 2, during.BpfLinks);
        Assert.Equal(before, after);

        // Everything the kernel recorded, up to the last sample before stopping, was published.
        var counters = harness.Source.Counters;
        Assert.True(counters.Recorded > 0);
        Assert.Equal(counters.Recorded, harness.Recorder.SampleCount());
        Assert.Equal(counters.Recorded, harness.Source.Statistics.Events);
        Assert.Equal(counters.Accepted, counters.Recorded + counters.Lost);
    }

    [KernelFact]
    public void Full_tables_lose_samples_and_every_sample_is_counted_once()
    {
        using var workload = Workloads.Start("many_threads", "16", "600");
        var options = CpuSourceOptions.Default with { CountsMaxEntries = 4 };
        var harness = CpuHarness.Start(new SessionSpec { Target = ProcessTarget.Process(workload.Pid), FrequencyHz = 999 }, options);
        harness.Recorder.WaitUntil(_ => harness.Source.Statistics.Lost >= 500 && harness.Source.Statistics.Events >= 100, "losses and records");
        harness.Dispose();

        var counters = harness.Source.Counters;
        var statistics = harness.Source.Statistics;
        output.WriteLine($"{statistics}; kernel: {counters}");
        Assert.True(counters.LostCountsFull > 0);
        Assert.Equal(counters.Lost, statistics.Lost);
        Assert.Equal(counters.Recorded, statistics.Events);
        Assert.Equal(statistics.Events, harness.Recorder.SampleCount());
        Assert.Equal(counters.Accepted, statistics.Events + statistics.Lost);

        // No window ever held more than the table allows.
        Assert.All(harness.Recorder.Batches, b => Assert.True(harness.Recorder.Samples.Count(s => s.Event.Header.TimestampNs == b.WindowStartNs) <= 2 * 4));
    }

    [KernelFact]
    public void Invalid_settings_and_impossible_loads_fail_start_with_clear_errors_and_hold_nothing()
    {
        KernelRequirement.EnsureRoot();
        var before = KernelObjectCensus.CountSelf();
        var spec = new SessionSpec();

        var invalid = Assert.Throws<InvalidRequestException>(() => Start(spec, CpuSourceOptions.Default with { CountsMaxEntries = 0 }));
        Assert.Equal("cpu source: counts table size must be at least 1", invalid.Message);

        var depth = Assert.Throws<InvalidRequestException>(() => Start(spec, CpuSourceOptions.Default with { MaxStackDepth = 500 }));
        Assert.Contains("stack depth 500 is out of range", depth.Message, StringComparison.Ordinal);

        // A table the kernel refuses to create: the error says which, with libbpf's explanation.
        var refused = Assert.Throws<UnavailableException>(() => Start(spec, CpuSourceOptions.Default with { TargetsMaxEntries = uint.MaxValue }));
        output.WriteLine(refused.Message);
        output.WriteLine(refused.Detail);
        Assert.Equal("source-unavailable", refused.Code);
        Assert.StartsWith("source cpu: object cpu_profile: load: map target_tgids: Argument list too long (E2BIG)", refused.Message, StringComparison.Ordinal);
        Assert.Contains("map 'target_tgids': failed to create", refused.Detail, StringComparison.Ordinal);
        Assert.Equal("target_tgids", Assert.IsType<BpfLoadException>(refused.InnerException).FailedMap);

        Assert.Equal(before, KernelObjectCensus.CountSelf());
    }

    [KernelFact]
    public void The_probe_reports_mechanisms_and_leaves_nothing_loaded()
    {
        KernelRequirement.EnsureRoot();
        var before = KernelObjectCensus.CountSelf();

        var availability = new CpuSourceProvider().Probe();

        Assert.True(availability.Available, $"{availability.Reason}\n{availability.Detail}");
        Assert.Equal("perf_event cpu-clock", availability.Mechanisms[0]);
        Assert.Contains(availability.Mechanisms, m => m.EndsWith("/sched_process_exec", StringComparison.Ordinal));
        Assert.Equal(before, KernelObjectCensus.CountSelf());
    }

    private static void Start(SessionSpec spec, CpuSourceOptions options)
    {
        using var source = new CpuSourceProvider(options).Create(new SourceContext(spec, new EventBus(), Environment.ProcessId));
        source.Start();
    }
}
