using SystemScope.Core.Events.Process;
using SystemScope.Core.Sessions;
using SystemScope.Core.Sources;
using SystemScope.Kernel.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SystemScope.Kernel.Tests.Kit;

/// <summary>Every source reports what its BPF programs cost, measured by the kernel in samples of the session's time.</summary>
[Collection(KernelCollection.Name)]
public sealed class SourceCostTests(ITestOutputHelper output)
{
    [KernelFact]
    public void Bpf_run_time_per_run_is_reported_per_source_while_it_runs()
    {
        using var burner = Workloads.Start("cpu_split", "600");
        using var harness = SessionHarness.Start(frequencyHz: 999);
        harness.Recorder.WaitUntil(r => r.SampleCount(burner.Pid) >= 500, "samples");

        // Forks, execs and exits for the process source's programs to run on, until a sample of the
        // run-time statistics (1 s in every 10) has seen every source's programs run.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (harness.Session.Snapshot().Sources.Any(s => s.Counters.Single(c => c.Name == "bpf.runs").Value == 0))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(45), "no sample of the statistics saw every source run");
            using var lifecycle = Workloads.Start("lifecycle");
            lifecycle.WriteLine("go");
            var child = int.Parse(lifecycle.ReadLine()!.Split("child=")[1], System.Globalization.CultureInfo.InvariantCulture);
            harness.Recorder.WaitUntil(r => r.LifecycleOf(child).Any(e => e.Payload.Change == ProcessChange.Exit), "the child's exit");
            Thread.Sleep(500);
        }

        var snapshot = harness.Session.Snapshot();
        foreach (var source in snapshot.Sources)
        {
            var cost = source.Counters.Single(c => c.Name == "bpf.ns_per_run");
            var runs = source.Counters.Single(c => c.Name == "bpf.runs");
            output.WriteLine($"{source.Id}: {cost.Value} ns per run over {runs.Value} runs");
            Assert.Equal(CounterKind.Info, cost.Kind);
            Assert.True(runs.Value > 0, $"{source.Id}: its programs ran");
            Assert.True(cost.Value > 0, $"{source.Id}: ns per run");
        }

        Assert.Equal(["process", "cpu"], snapshot.Sources.Select(s => s.Id));
    }
}
