using System.Diagnostics;
using System.Globalization;
using SystemScope.Core.Tuning;

namespace SystemScope.Sources.Tuning.Advisors;

/// <summary>
/// TCP retransmits on lossy paths: a network namespace whose retransmitted segments are a noticeable
/// share of what it sends (Tcp RetransSegs / OutSegs of /proc/PID/net/snmp; the tcp source's
/// <c>tcp.events</c> shows the same retransmits for the agent's own namespace). Loss-based congestion
/// control (cubic, reno) halves its window at each loss; BBR paces by measured bandwidth and RTT and
/// keeps throughput on paths that drop packets without congestion. Proposed when BBR is available;
/// judged by goodput (segments sent minus retransmitted, per second, higher is better). It applies to
/// connections opened after the change.
/// </summary>
public sealed class TcpRetransmitAdvisor(TuningRoots roots) : IAdvisor
{
    public const string AdvisorId = "tcp-retransmits";

    /// <summary>Share of sent segments retransmitted above which the path is lossy, and the least retransmits per second worth acting on.</summary>
    public const double MinShare = 0.01;

    public const double MinPerSecond = 10;

    private const string MetricPrefix = "tcp-goodput:";

    public string Id => AdvisorId;

    public IReadOnlyList<string> Sources => ["tcp"];

    private TuningRoots Roots { get; } = roots;

    public IAdvisorRun Begin(AdvisorContext context) => new Run(this, context);

    public MetricSpec? Describe(string metricId) => metricId.StartsWith(MetricPrefix, StringComparison.Ordinal)
        ? new MetricSpec(metricId, $"TCP goodput in the network namespace of process {metricId[MetricPrefix.Length..]}", "segments/s", 10, LowerIsBetter: false)
        : null;

    public ITargetMetric? Metric(string metricId, AdvisorContext context) =>
        metricId.StartsWith(MetricPrefix, StringComparison.Ordinal) && int.TryParse(metricId.AsSpan(MetricPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            ? new Goodput(Roots.Proc, pid)
            : null;

    /// <summary>Tcp OutSegs and RetransSegs of the namespace a process is in (/proc/PID/net/snmp), or null.</summary>
    private static (long Out, long Retransmitted)? Segments(string procRoot, int pid)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture), "net", "snmp"));
        }
        catch (IOException)
        {
            return null;
        }

        for (var i = 0; i + 1 < lines.Length; i += 2)
        {
            var names = lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var values = lines[i + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (names.Length > 0 && names[0] == "Tcp:" && Array.IndexOf(names, "OutSegs") is var o and > 0 && Array.IndexOf(names, "RetransSegs") is var r and > 0
                && o < values.Length && r < values.Length)
            {
                return (long.Parse(values[o], CultureInfo.InvariantCulture), long.Parse(values[r], CultureInfo.InvariantCulture));
            }
        }

        return null;
    }

    private sealed class Goodput(string procRoot, int pid) : ITargetMetric
    {
        private (long Out, long Retransmitted)? _last;
        private long _lastTicks;

        public double? Sample()
        {
            var now = Segments(procRoot, pid) ?? throw new IOException($"process {pid} has exited: its namespace's TCP counters cannot be read");
            var ticks = Stopwatch.GetTimestamp();
            double? rate = _last is { } last ? ((now.Out - last.Out) - (now.Retransmitted - last.Retransmitted)) / Stopwatch.GetElapsedTime(_lastTicks, ticks).TotalSeconds : null;
            (_last, _lastTicks) = (now, ticks);
            return rate;
        }
    }

    private sealed class Run : IAdvisorRun
    {
        private readonly TcpRetransmitAdvisor _advisor;
        private readonly AdvisorContext _context;
        private readonly long _started = Stopwatch.GetTimestamp();
        private readonly Dictionary<ulong, (int Pid, long Out, long Retransmitted)> _namespaces = [];

        public Run(TcpRetransmitAdvisor advisor, AdvisorContext context)
        {
            _advisor = advisor;
            _context = context;
            foreach (var pid in ProcScan.Pids(advisor.Roots.Proc))
            {
                if (advisor.Roots.Namespaces.InodeOf(pid) is { } inode && !_namespaces.ContainsKey(inode) && Segments(advisor.Roots.Proc, pid) is { } s)
                {
                    _namespaces[inode] = (pid, s.Out, s.Retransmitted);
                }
            }
        }

        public void Tick()
        {
        }

        public AdviceResult Finish()
        {
            var seconds = Math.Max(0.001, Stopwatch.GetElapsedTime(_started).TotalSeconds);
            var findings = new List<Finding>();
            var notes = new List<AdvisorNote>();
            foreach (var (inode, before) in _namespaces)
            {
                if (Segments(_advisor.Roots.Proc, before.Pid) is not { } after)
                {
                    continue;
                }

                var sent = after.Out - before.Out;
                var retransmitted = after.Retransmitted - before.Retransmitted;
                var share = sent > 0 ? (double)retransmitted / sent : 0;
                if (share < MinShare || retransmitted / seconds < MinPerSecond)
                {
                    continue;
                }

                var target = TunableTarget.NetworkNamespace(inode, before.Pid);
                var tunable = new SysctlTunable("net.ipv4.tcp_congestion_control", TunableScope.NetworkNamespace, string.Empty, new NameChoices("bbr"), _advisor.Roots, "net.ipv4.tcp_available_congestion_control");
                var current = tunable.Read(target);
                var hostNamespace = _advisor.Roots.Namespaces.InodeOf(_context.AgentPid) == inode;
                Evidence[] evidence =
                [
                    new("retransmitted segments", Math.Round(retransmitted / seconds, 1), "per s", hostNamespace ? EvidenceLink.To("tcp.events", ("series", "retransmits")) : null, $"/proc/{before.Pid}/net/snmp Tcp RetransSegs"),
                    new("share of sent segments retransmitted", Math.Round(share * 100, 2), "%", null, $"/proc/{before.Pid}/net/snmp Tcp OutSegs"),
                ];
                var bbr = tunable.Validate(target, "bbr") is null && current != "bbr";
                var id = $"tcp-retransmits.net{inode.ToString(CultureInfo.InvariantCulture)}";
                var title = $"{share * 100:0.#}% of TCP segments retransmitted in network namespace {inode} (congestion control {current})";
                var metric = _advisor.Describe(MetricPrefix + before.Pid.ToString(CultureInfo.InvariantCulture))!;
                findings.Add(new Finding(id, AdvisorId, title, FindingLayer.Kernel, evidence,
                    "connections opened afterwards keep their throughput through losses that are not congestion",
                    "BBR can take more than its share from loss-based flows on a shared bottleneck; existing connections keep their congestion control",
                    bbr ? [new ProposedAction("use-bbr", $"net.ipv4.tcp_congestion_control {current} → bbr in network namespace {inode}", [new ProposedChange("net.ipv4.tcp_congestion_control", target, "bbr")], metric)] : [])
                {
                    Advice = bbr ? null : current == "bbr" ? "BBR is already in use: look at the path (errors, a full queue) rather than the congestion control" : "BBR is not loaded: 'modprobe tcp_bbr' makes it available, then advise again",
                    Pids = [before.Pid],
                });
            }

            if (findings.Count == 0)
            {
                notes.Add(new AdvisorNote(AdvisorId, $"no network namespace retransmitted over {MinShare * 100:0}% of its segments in {seconds:0.#} s"));
            }

            return new AdviceResult(findings, notes);
        }
    }
}
