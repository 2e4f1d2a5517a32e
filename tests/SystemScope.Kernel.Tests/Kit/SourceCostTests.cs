using SystemScope.Core.Events.Process;
using SystemScope.Core.Sessions;
using SystemScope.Core.Sources;
using SystemScope.Kernel.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SystemScope.Kernel.Tests.Kit;

/// <summary>Every source reports what its BPF programs cost, measured by the kernel while the session runs.</summary>
[Collection(KernelCollection.Name)]
public sealed class SourceCostTests(ITestOutputHelper output)
{
    [KernelFact]
    public void Bpf_run_time_per_run_is_reported_per_source_while_it_runs()
    {
        using var burner = Workloads.Start("cpu_split", "600");
        using var harness = SessionHarness.Start(frequencyHz: 999);
        harness.Recorder.WaitUntil(r => r.SampleCount(burner.Pid) >= 500, "samples");

        // Forks, execs and exits for the process source's programs to run on.
        using (var lifecycle = Workloads.Start("lifecycle"))
        {
            lifecycle.WriteLine("go");
            var child = int.Parse(lifecycle.ReadLine()!.Split("child=")[1], System.Globalization.CultureInfo.InvariantCulture);
            harness.Recorder.WaitUntil(r => r.LifecycleOf(child).Any(e => e.Payload.Change == ProcessChange.Exit), "the child's exit");
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
