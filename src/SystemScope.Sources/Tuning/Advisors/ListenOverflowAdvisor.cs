using System.Diagnostics;
using System.Globalization;
using SystemScope.Core.Tuning;

namespace SystemScope.Sources.Tuning.Advisors;

/// <summary>
/// Listen-queue overflows: connections completed the handshake but the accept queue was full, so the
/// kernel dropped them (clients see retries and seconds of delay). Counted per network namespace
/// (TcpExt ListenOverflows of /proc/PID/net/netstat, the figure the tcp source's <c>tcp.listen</c>
/// shows for the agent's own namespace); the listener is found by sampling accept-queue lengths. The
/// queue's limit is min(backlog passed to listen(), net.core.somaxconn): when the queue tops out below
/// somaxconn, the application's own backlog is the limit and raising somaxconn would not help.
/// </summary>
public sealed class ListenOverflowAdvisor(TuningRoots roots) : IAdvisor
{
    public const string AdvisorId = "listen-overflow";

    /// <summary>Overflows in a window below which nobody is hurt enough to change anything.</summary>
    public const long MinOverflows = 20;

    private const string MetricPrefix = "listen-overflows:";

    public string Id => AdvisorId;

    private TuningRoots Roots { get; } = roots;

    public IReadOnlyList<string> Sources => ["tcp"];

    public IAdvisorRun Begin(AdvisorContext context) => new Run(this, context);

    public MetricSpec? Describe(string metricId) => metricId.StartsWith(MetricPrefix, StringComparison.Ordinal)
        ? new MetricSpec(metricId, $"listen overflows in the network namespace of process {metricId[MetricPrefix.Length..]}", "per s", 1)
        : null;

    public ITargetMetric? Metric(string metricId, AdvisorContext context) =>
        metricId.StartsWith(MetricPrefix, StringComparison.Ordinal) && int.TryParse(metricId.AsSpan(MetricPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            ? new OverflowRate(Roots.Proc, pid)
            : null;

    /// <summary>ListenOverflows per second in the namespace a process is in.</summary>
    private sealed class OverflowRate(string procRoot, int pid) : ITargetMetric
    {
        private long? _last;
        private long _lastTicks;

        public double? Sample()
        {
            var now = ProcScan.NetstatCounter(procRoot, pid, "ListenOverflows") ?? throw new IOException($"process {pid} has exited: its namespace's listen overflows cannot be read");
            var ticks = Stopwatch.GetTimestamp();
            double? rate = _last is { } last ? (now - last) / Stopwatch.GetElapsedTime(_lastTicks, ticks).TotalSeconds : null;
            (_last, _lastTicks) = (now, ticks);
            return rate;
        }
    }

    private sealed class Run : IAdvisorRun
    {
        private readonly ListenOverflowAdvisor _advisor;
        private readonly AdvisorContext _context;
        private readonly long _started = Stopwatch.GetTimestamp();
        private readonly Dictionary<ulong, Namespace> _namespaces = [];

        public Run(ListenOverflowAdvisor advisor, AdvisorContext context)
        {
            _advisor = advisor;
            _context = context;
            var proc = advisor.Roots.Proc;
            foreach (var pid in ProcScan.Pids(proc))
            {
                if (advisor.Roots.Namespaces.InodeOf(pid) is not { } inode)
                {
                    continue;
                }

                if (!_namespaces.TryGetValue(inode, out var ns))
                {
                    if (ProcScan.NetstatCounter(proc, pid, "ListenOverflows") is not { } overflows)
                    {
                        continue;
                    }

                    _namespaces[inode] = ns = new Namespace(inode, pid, overflows, ProcScan.NetstatCounter(proc, pid, "ListenDrops") ?? 0);
                }

                ns.Pids.Add(pid);
            }

            Tick();
        }

        public void Tick()
        {
            foreach (var ns in _namespaces.Values)
            {
                foreach (var socket in ListenSockets.Read(_advisor.Roots.Proc, ns.Entry))
                {
                    ns.PeakQueue[(socket.Port, socket.Inode)] = Math.Max(ns.PeakQueue.GetValueOrDefault((socket.Port, socket.Inode)), socket.AcceptQueue);
                }
            }
        }

        public AdviceResult Finish()
        {
            Tick();
            var seconds = Math.Max(0.001, Stopwatch.GetElapsedTime(_started).TotalSeconds);
            var findings = new List<Finding>();
            foreach (var ns in _namespaces.Values)
            {
                var overflows = (ProcScan.NetstatCounter(_advisor.Roots.Proc, ns.Entry, "ListenOverflows") ?? ns.Overflows) - ns.Overflows;
                if (overflows >= MinOverflows && ns.PeakQueue.Count > 0)
                {
                    findings.Add(Describe(ns, overflows, seconds));
                }
            }

            var focus = _context.FocusPid;
            return new AdviceResult(
                [.. findings.Where(f => focus is null || f.Pids.Contains(focus.Value))],
                findings.Count == 0 ? [new AdvisorNote(AdvisorId, $"no listen-queue overflows in {_namespaces.Count} network namespace(s) over {seconds:0.#} s")] : []);
        }

        private Finding Describe(Namespace ns, long overflows, double seconds)
        {
            var proc = _advisor.Roots.Proc;
            var ((port, inode), peak) = ns.PeakQueue.MaxBy(p => p.Value);
            var owner = ListenSockets.Owner(proc, ns.Pids, inode) ?? ns.Entry;
            var target = TunableTarget.NetworkNamespace(ns.Inode, owner);
            var somaxconn = long.Parse(new SysctlTunable("net.core.somaxconn", TunableScope.NetworkNamespace, string.Empty, new IntegerRange(0, 0), _advisor.Roots).Read(target), CultureInfo.InvariantCulture);
            var rate = overflows / seconds;
            var drops = ((ProcScan.NetstatCounter(proc, ns.Entry, "ListenDrops") ?? ns.Drops) - ns.Drops) / seconds;
            var hostNamespace = _advisor.Roots.Namespaces.InodeOf(_context.AgentPid) == ns.Inode;
            var name = ProcScan.Name(proc, owner);
            var netstat = $"/proc/{owner}/net/netstat TcpExt ListenOverflows";
            Evidence[] evidence =
            [
                new("listen overflows", Math.Round(rate, 1), "per s", hostNamespace ? EvidenceLink.To("tcp.listen", ("series", "overflows")) : null, netstat),
                new("listen drops", Math.Round(drops, 1), "per s", hostNamespace ? EvidenceLink.To("tcp.listen", ("series", "drops")) : null, $"/proc/{owner}/net/netstat TcpExt ListenDrops"),
                new($"longest accept queue seen on port {port}", peak, "connections", null, $"/proc/{owner}/net/tcp rx_queue"),
                new("net.core.somaxconn in the namespace", somaxconn, "connections", null, "/proc/sys/net/core/somaxconn"),
            ];
            var id = $"listen-overflow.net{ns.Inode.ToString(CultureInfo.InvariantCulture)}.port{port.ToString(CultureInfo.InvariantCulture)}";
            var title = $"Port {port} ({name}, pid {owner}) drops connections: accept queue full, {rate:0.#} overflows/s";
            if (peak < somaxconn)
            {
                // The queue never reached somaxconn: listen()'s own backlog (peak, give or take one) is the limit.
                return new Finding(id, AdvisorId, title, FindingLayer.Application, evidence,
                    "raising the application's backlog (or accepting faster) stops the overflows", "none: no change is proposed", [])
                {
                    Advice = $"the accept queue tops out at {peak}, below net.core.somaxconn {somaxconn}: the backlog {name} passes to listen() is the limit. Raise it (up to {somaxconn}) or accept connections faster.",
                    Pids = [owner],
                };
            }

            var raised = Math.Clamp(Math.Max(4096, somaxconn * 4), 128, 65535).ToString(CultureInfo.InvariantCulture);
            var metric = _advisor.Describe(MetricPrefix + owner.ToString(CultureInfo.InvariantCulture))! with { Label = $"listen overflows in netns {ns.Inode}" };
            return new Finding(id, AdvisorId, title, FindingLayer.Kernel, evidence,
                $"the accept queue may grow to the application's backlog (up to {raised}): overflows drop to near zero while {name} keeps up on average",
                $"low: only network namespace {ns.Inode} changes; a longer queue holds more waiting connections (memory, and latency for the last in line) — the host's value is untouched",
                [new ProposedAction("raise-somaxconn", $"net.core.somaxconn {somaxconn} → {raised} in network namespace {ns.Inode}", [new ProposedChange("net.core.somaxconn", target, raised)], metric)])
            {
                Advice = $"the application's listen() backlog must also be at least the queue it needs: somaxconn only caps it (queue tops out at {peak} = somaxconn {somaxconn})",
                Pids = [owner],
            };
        }
    }

    private sealed class Namespace(ulong inode, int entry, long overflows, long drops)
    {
        public ulong Inode { get; } = inode;

        /// <summary>A process inside it, through which its files are read.</summary>
        public int Entry { get; } = entry;

        public long Overflows { get; } = overflows;

        public long Drops { get; } = drops;

        public List<int> Pids { get; } = [];

        public Dictionary<(int Port, ulong Inode), int> PeakQueue { get; } = [];
    }
}
