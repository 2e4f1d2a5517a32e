using System.Globalization;
using SystemScope.Core.Tuning;

namespace SystemScope.Sources.Tuning.Advisors;

/// <summary>
/// CPU frequency: CPUs that are busy while their governor saves power (powersave, conservative) run
/// slower than they could. Where the machine has no cpufreq (most virtual machines) the advisor says
/// so and proposes nothing. There is no metric that judges a governor for every workload, so the
/// finding is advice with the exact tunable to use (<c>tune apply --tunable cpufreq.governor</c>).
/// </summary>
public sealed class CpuFrequencyAdvisor(TuningRoots roots) : IAdvisor
{
    public const string AdvisorId = "cpu-frequency";

    public string Id => AdvisorId;

    public IReadOnlyList<string> Sources => [];

    private TuningRoots Roots { get; } = roots;

    public IAdvisorRun Begin(AdvisorContext context) => new Run(this);

    public MetricSpec? Describe(string metricId) => null;

    public ITargetMetric? Metric(string metricId, AdvisorContext context) => null;

    private sealed class Run(CpuFrequencyAdvisor advisor) : IAdvisorRun
    {
        public void Tick()
        {
        }

        public AdviceResult Finish()
        {
            var cpus = Path.Combine(advisor.Roots.Sys, "devices", "system", "cpu");
            var slow = new List<(string Cpu, string Governor)>();
            var any = false;
            foreach (var directory in Directory.Exists(cpus) ? Directory.EnumerateDirectories(cpus, "cpu*") : [])
            {
                var governor = Path.Combine(directory, "cpufreq", "scaling_governor");
                if (!int.TryParse(Path.GetFileName(directory).AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out _) || !File.Exists(governor))
                {
                    continue;
                }

                any = true;
                var value = File.ReadAllText(governor).Trim();
                if (value is "powersave" or "conservative")
                {
                    slow.Add((Path.GetFileName(directory), value));
                }
            }

            if (!any)
            {
                return AdviceResult.Note(AdvisorId, "cpufreq is not available on this machine (no /sys/devices/system/cpu/cpuN/cpufreq): the frequency governor and energy-performance preference cannot be tuned here");
            }

            if (slow.Count == 0)
            {
                return AdviceResult.None;
            }

            var list = string.Join(", ", slow.Select(s => $"{s.Cpu} ({s.Governor})"));
            return new AdviceResult(
            [
                new Finding($"cpu-frequency.{slow.Count.ToString(CultureInfo.InvariantCulture)}cpus", AdvisorId, $"{slow.Count} CPU(s) run a power-saving frequency governor", FindingLayer.Hardware,
                    [new Evidence("CPUs with a power-saving governor", slow.Count, "CPUs", null, "/sys/devices/system/cpu/cpuN/cpufreq/scaling_governor")],
                    "latency-sensitive work ramps to full frequency at once instead of after the governor notices", "more power drawn and heat while busy", [])
                {
                    Advice = $"{list}: 'systemscope tune apply --tunable cpufreq.governor --target cpu:cpuN --value performance --metric runqlat-p99:PID --allow-tuning' tries it against a process's run-queue latency; schedutil is the balanced choice",
                },
            ], []);
        }
    }
}
