using SystemScope.Core.Events.Process;
using SystemScope.Core.Sessions;
using SystemScope.Kernel.Tests.Infrastructure;
using Xunit.Abstractions;

namespace SystemScope.Kernel.Tests.Cpu;

[Collection(KernelCollection.Name)]
public sealed class CpuSamplingTests(ITestOutputHelper output)
{
    // Enough samples that ±5 points is more than 6 standard deviations of a binomial at p = 0.75.
    private const long ClassifiedSamples = 3000;

    [KernelFact]
    public void A_75_25_split_of_cpu_time_shows_as_75_25_and_only_the_target_is_sampled()
    {
        // A second busy process the pid filter must keep out.
        using var other = Workloads.Start("cpu_split", "600");
        using var workload = Workloads.Start("cpu_split", "600");
        var classifier = new StackClassifier(workload);
        using var harness = SessionHarness.Start(ProcessFilter.ForPid(workload.Pid));

        harness.Recorder.WaitUntil(
            r => classifier.Tally(r.Samples) is var (a, b, _) && a + b >= ClassifiedSamples,
            $"{ClassifiedSamples} samples in spend_75 or spend_25");
        var counters = harness.Cpu.ReadCounters();
        harness.Dispose();

        var samples = harness.Recorder.Samples;
        var (spend75, spend25, rest) = classifier.Tally(samples);
        var share = (double)spend75 / (spend75 + spend25);
        output.WriteLine($"spend_75 {spend75}, spend_25 {spend25}, elsewhere {rest}: {share:P2} in spend_75; kernel counters {string.Join(", ", counters.Select(kv => $"{kv.Key}={kv.Value}"))}");

        Assert.InRange(share, 0.70, 0.80);
        Assert.All(samples, s => Assert.Equal(workload.Pid, s.Event.Header.Pid));
        Assert.All(samples, s => Assert.Equal("cpu_split", s.Event.Payload.ProcessName));
        Assert.True(counters["samples.skipped"] > 0, "other processes ran and were filtered out in the kernel");
        Assert.Equal(0, harness.Cpu.MissingStacks);
    }

    [KernelFact]
    public void All_processes_mode_samples_every_process_but_the_agent_unless_asked()
    {
        using var burner = Workloads.Start("cpu_split", "600");
        using var syscalls = Workloads.Start("syscall_loop", "read", "600");
        using var agentLoad = new AgentLoad();

        using (var harness = SessionHarness.Start())
        {
            harness.Recorder.WaitUntil(
                r => r.SampleCount(burner.Pid) >= 100 && r.SampleCount(syscalls.Pid) >= 100,
                "samples of both workloads");
            harness.WaitForWindows(1);
            harness.Dispose();

            var samples = harness.Recorder.Samples;
            var tgids = samples.Select(s => s.Event.Header.Pid).ToHashSet();
            output.WriteLine($"{tgids.Count} processes sampled, {harness.Recorder.SampleCount()} samples");
            output.WriteLine(string.Join(", ", harness.Counters("cpu").Select(kv => $"{kv.Key}={kv.Value}")));
            Assert.True(tgids.Count >= 2);
            Assert.DoesNotContain(Environment.ProcessId, tgids);
            Assert.DoesNotContain(0, tgids); // idle is skipped by default
            AssertSeenBeforeFirstSample(harness.Recorder);
        }

        // The same load with the agent included: now its busy thread shows, so the exclusion above was real.
        using (var harness = SessionHarness.Start(includeAgent: true))
        {
            harness.Recorder.WaitUntil(r => r.SampleCount(Environment.ProcessId) >= 50, "samples of the agent itself");
            harness.Dispose();
            var agent = harness.Recorder.Samples.First(s => s.Event.Header.Pid == Environment.ProcessId).Event;
            Assert.False(agent.Payload.UserStack.IsEmpty);
        }
    }

    [KernelFact]
    public void Samples_in_system_calls_carry_real_kernel_and_user_stacks()
    {
        using var workload = Workloads.Start("syscall_loop", "read", "600");
        using var harness = SessionHarness.Start(ProcessFilter.ForPid(workload.Pid));
        harness.Recorder.WaitUntil(
            r => r.Samples.Where(s => !s.Event.Payload.KernelStack.IsEmpty).Sum(s => s.Event.Payload.Count) >= 500,
            "500 samples with a kernel stack");
        var mappings = workload.ExecutableMappings();
        harness.Dispose();

        var kallsyms = KernelSymbols.Load();
        var inKernel = harness.Recorder.Samples.Select(s => s.Event.Payload).Where(p => !p.KernelStack.IsEmpty).ToList();
        long total = inKernel.Sum(p => p.Count), inReadPath = 0;
        foreach (var sample in inKernel)
        {
            Assert.All(sample.KernelStack.ToArray(), ip => Assert.True(ip >= 0xffff800000000000UL, $"kernel address {ip:x}"));

            // A system call has a user side: the libc wrapper and the loop that called it.
            Assert.False(sample.UserStack.IsEmpty);
            Assert.All(sample.UserStack.ToArray(), ip => Assert.Contains(mappings, m => ip >= m.Start && ip < m.End));

            var names = sample.KernelStack.ToArray().Select(kallsyms.NameOf).ToHashSet();
            if (names.Overlaps(["read_zero", "ksys_read", "vfs_read", "iov_iter_zero"]))
            {
                inReadPath += sample.Count;
            }
        }

        output.WriteLine($"{total} samples with kernel stacks, {inReadPath} of them in read(2) of /dev/zero");
        Assert.True(inReadPath * 2 > total, $"most kernel samples are in the read path ({inReadPath} of {total})");
    }

    internal static void AssertSeenBeforeFirstSample(EventRecorder recorder)
    {
        var seen = new Dictionary<int, long>();
        var exited = new HashSet<int>();
        foreach (var (seq, e) in recorder.Lifecycle)
        {
            if (e.Payload.Change == ProcessChange.Seen)
            {
                seen.TryAdd(e.Header.Pid, seq);
            }
            else if (e.Payload.Change == ProcessChange.Exit)
            {
                exited.Add(e.Header.Pid);
            }
        }

        foreach (var group in recorder.Samples.GroupBy(s => s.Event.Header.Pid))
        {
            var first = group.Min(s => s.Seq);
            if (!seen.ContainsKey(group.Key) && exited.Contains(group.Key))
            {
                // First sampled on its way out (a short-lived process of a busy machine): a process is
                // not announced once exiting, so that it is never resurrected after its exit.
                continue;
            }

            Assert.True(seen.TryGetValue(group.Key, out var at) && at < first, $"pid {group.Key}: seen before its first sample");
        }
    }
}

/// <summary>A thread of the test process (the agent) that burns CPU while it lives.</summary>
internal sealed class AgentLoad : IDisposable
{
    private readonly Thread _thread;
    private volatile bool _stop;

    public AgentLoad()
    {
        _thread = new Thread(() =>
        {
            ulong x = 1;
            while (!_stop)
            {
                for (var i = 0; i < 100_000; i++)
                {
                    x = (x * 6364136223846793005UL) + 1442695040888963407UL;
                }
            }

            GC.KeepAlive(x);
        })
        { IsBackground = true, Name = "agent load" };
        _thread.Start();
    }

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
    }
}
