using System.Diagnostics;
using System.Globalization;
using SystemScope.Core.Models.Histogram;
using SystemScope.Core.Tuning;

namespace SystemScope.Sources.Tuning.Advisors;

/// <summary>
/// CPU contention: a process that mostly sleeps (little CPU of its own) waits long for a CPU after each
/// wakeup, while processes that burn whole CPUs may run on the same CPUs. Evidence: its run-queue
/// latency (<c>sched.runqlat</c>, the process's group) and the hogs' CPU time over the same window.
/// Proposed, in order: lower the hogs' priority (nice 19), make them SCHED_BATCH, move them off the
/// victim's CPUs when they may run elsewhere, or lower their cgroup's cpu.weight when they have their own.
/// </summary>
public sealed class CpuContentionAdvisor(TuningRoots roots) : IAdvisor
{
    public const string AdvisorId = "cpu-contention";

    /// <summary>Run-queue p99 above which a mostly sleeping process is hurt (a few scheduler slices).</summary>
    public const double VictimP99Us = 2000;

    /// <summary>CPU share (of one CPU) at or above which a process is a hog; below the victim share a victim.</summary>
    public const double HogShare = 0.5;

    private const string MetricPrefix = "runqlat-p99:";

    public string Id => AdvisorId;

    public IReadOnlyList<string> Sources => ["sched"];

    private TuningRoots Roots { get; } = roots;

    public IAdvisorRun Begin(AdvisorContext context) => new Run(this, context);

    /// <summary>A p99 change under this is within what a log2 histogram's interpolation and one window's luck move.</summary>
    public const double MinimumEffectUs = 200;

    public MetricSpec? Describe(string metricId) => metricId.StartsWith(MetricPrefix, StringComparison.Ordinal)
        ? new MetricSpec(metricId, $"run-queue latency p99 of process {metricId[MetricPrefix.Length..]}", "us", MinimumEffectUs)
        : null;

    public ITargetMetric? Metric(string metricId, AdvisorContext context) =>
        metricId.StartsWith(MetricPrefix, StringComparison.Ordinal) && int.TryParse(metricId.AsSpan(MetricPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            ? context.Model<HistogramModel>("sched.runqlat") is { } model ? new RunQueueP99(model, pid) : throw new IOException("the sched source is not running: no run-queue latency to verify with")
            : null;

    private sealed class Run(CpuContentionAdvisor advisor, AdvisorContext context) : IAdvisorRun
    {
        private readonly long _started = Stopwatch.GetTimestamp();
        private readonly Dictionary<int, long> _ticks = ProcScan.CpuTicksOfAll(advisor.Roots.Proc);

        public void Tick()
        {
        }

        public AdviceResult Finish()
        {
            var seconds = Math.Max(0.001, Stopwatch.GetElapsedTime(_started).TotalSeconds);
            if (context.Model<HistogramModel>("sched.runqlat") is not { } model)
            {
                return AdviceResult.Note(AdvisorId, "the sched source is not running: no run-queue latency to judge contention by");
            }

            var proc = advisor.Roots.Proc;
            var share = new Dictionary<int, double>();
            foreach (var (pid, before) in _ticks)
            {
                if (ProcScan.CpuTicks(proc, pid) is { } after && pid != context.AgentPid)
                {
                    share[pid] = (after - before) / ProcScan.TicksPerSecond / seconds;
                }
            }

            var findings = new List<Finding>();
            foreach (var group in model.Totals())
            {
                if (!group.Key.StartsWith("pid:", StringComparison.Ordinal) || !int.TryParse(group.Key.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out var victim)
                    || (context.FocusPid is { } focus && focus != victim) || victim == context.AgentPid
                    || group.Count < RunQueueP99.MinWakeups || share.GetValueOrDefault(victim) >= HogShare)
                {
                    continue;
                }

                var p99 = group.Percentile(0.99);
                if (p99 >= VictimP99Us && Describe(victim, group, p99, share, seconds) is { } finding)
                {
                    findings.Add(finding);
                }
            }

            return new AdviceResult(findings, findings.Count == 0
                ? [new AdvisorNote(AdvisorId, $"no mostly-sleeping process waited over {VictimP99Us / 1000:0.#} ms (p99) for a CPU next to a CPU hog in {seconds:0.#} s")]
                : []);
        }

        private Finding? Describe(int victim, HistogramGroup group, double p99, Dictionary<int, double> share, double seconds)
        {
            var proc = advisor.Roots.Proc;
            SortedSet<int> victimCpus;
            try
            {
                victimCpus = CpuList.TryParse(ProcessControl.Affinity(proc, victim)) ?? [];
            }
            catch (IOException)
            {
                return null;
            }

            var hogs = new List<(int Pid, double Share, SortedSet<int> Cpus)>();
            foreach (var (pid, used) in share.Where(s => s.Value >= HogShare && s.Key != victim).OrderByDescending(s => s.Value))
            {
                try
                {
                    var cpus = CpuList.TryParse(ProcessControl.Affinity(proc, pid)) ?? [];
                    if (cpus.Overlaps(victimCpus) && ProcessControl.Nice(proc, pid) < 19 && ProcessControl.Policy(proc, pid) == ProcessControl.SchedOther)
                    {
                        hogs.Add((pid, used, cpus));
                    }
                }
                catch (IOException)
                {
                    // exited since
                }
            }

            if (hogs.Count == 0)
            {
                return null;
            }

            var name = ProcScan.Name(proc, victim);
            var metric = advisor.Describe(MetricPrefix + victim.ToString(CultureInfo.InvariantCulture))! with { Label = $"run-queue latency p99 of {name} ({victim})" };
            var hogNames = string.Join(", ", hogs.Select(h => $"{ProcScan.Name(proc, h.Pid)} ({h.Pid}, {h.Share * 100:0}% CPU)"));
            var link = EvidenceLink.To("sched.runqlat", ("group", RunQueueP99.Key(victim)));
            var evidence = new List<Evidence>
            {
                new($"run-queue latency p99 of {name}", Math.Round(p99), "us", link, "sched source, run-queue latency histogram"),
                new($"run-queue latency p50 of {name}", Math.Round(group.Percentile(0.5)), "us", link),
                new($"wakeups of {name}", group.Count, "count", link),
                new($"CPU used by {name}", Math.Round(share.GetValueOrDefault(victim) * 100, 1), "% of a CPU", null, $"/proc/{victim}/stat"),
                new($"CPU used by the {hogs.Count} hog(s) sharing CPUs {CpuList.Format(victimCpus)}", Math.Round(hogs.Sum(h => h.Share) * 100, 1), "% of a CPU", null, "/proc/PID/stat"),
            };
            var actions = new List<ProposedAction>
            {
                new("renice-hogs", $"nice 19 for {hogNames}", [.. hogs.Select(h => new ProposedChange("process.nice", TunableTarget.Process(h.Pid), "19"))], metric),
                new("batch-hogs", $"SCHED_BATCH for {hogNames} (no wakeup preemption by them)", [.. hogs.Select(h => new ProposedChange("process.policy", TunableTarget.Process(h.Pid), "batch"))], metric),
            };
            var elsewhere = hogs.Select(h => new SortedSet<int>(h.Cpus.Except(victimCpus))).ToList();
            if (elsewhere.All(e => e.Count > 0))
            {
                actions.Add(new("separate-hogs", $"move {hogNames} off CPUs {CpuList.Format(victimCpus)}",
                    [.. hogs.Select((h, i) => new ProposedChange("process.affinity", TunableTarget.Process(h.Pid), CpuList.Format(elsewhere[i])))], metric));
            }

            var hogGroups = hogs.Select(h => ProcScan.Cgroup(proc, h.Pid)).Distinct().ToList();
            if (hogGroups is [{ } hogGroup] && hogGroup != "/" && hogGroup != ProcScan.Cgroup(proc, victim))
            {
                actions.Add(new("weight-hogs-cgroup", $"cpu.weight 10 for cgroup {hogGroup} (the hogs')", [new ProposedChange("cgroup.cpu.weight", TunableTarget.Cgroup(hogGroup), "10")], metric));
            }

            return new Finding($"cpu-contention.pid{victim.ToString(CultureInfo.InvariantCulture)}", AdvisorId,
                $"{name} ({victim}) waits {p99 / 1000:0.#} ms (p99) for a CPU behind {hogs.Count} CPU hog(s)", FindingLayer.Kernel, evidence,
                $"{name}'s run-queue p99 falls toward its p50 (hogs yield the CPU at its wakeups)",
                "the hogs get less CPU while the victim runs (nice 19 ≈ 1.5% of a contended CPU against one nice-0 task); their throughput drops only under contention",
                actions)
            {
                Pids = [victim, .. hogs.Select(h => h.Pid)],
            };
        }
    }
}
