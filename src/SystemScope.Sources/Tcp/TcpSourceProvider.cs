using SystemScope.Bpf;
using SystemScope.Core.Errors;
using SystemScope.Core.Events;
using SystemScope.Core.Options;
using SystemScope.Core.Sources;
using SystemScope.Sources.Kit;

namespace SystemScope.Sources.Tcp;

/// <summary>The TCP source: connections with their bytes, retransmits, resets and RTT, per process and per remote endpoint.</summary>
public sealed class TcpSourceProvider : ISourceProvider
{
    public static readonly IntegerOption Port = new(
        "port", "Only connections with this local or remote port (0: every port)", 0, 65535, 0);

    public static readonly BooleanOption LocalOnly = new(
        "localOnly", "Only connections whose remote end is a loopback address (127.0.0.0/8, ::1) of this machine", false);

    public static readonly ChoicesOption Families = new(
        "families", "Which address families to observe", ["ipv4", "ipv6"], ["ipv4", "ipv6"]);

    public static readonly ChoicesOption Timeline = new(
        "timeline", "What goes to the owning thread's timeline: closed connections, retransmits, resets, state changes",
        ["connection", "retransmit", "reset", "state"], ["connection", "retransmit", "reset"]);

    public static readonly IntegerOption TimelineCap = new(
        "timelineCap", "At most this many TCP events per second go to the timeline (the rest are counted as timeline.capped)", 0, 100_000, 500, "per s");

    public static readonly IntegerOption RecordCap = new(
        "recordCap", "At most this many closed connections, retransmits and resets per second per CPU are streamed from the kernel (the rest are counted as records.capped; totals stay exact)", 1, 1_000_000, 10_000, "per s per CPU");

    public static readonly IntegerOption RttSampleEvery = new(
        "rttSampleEvery", "Refresh a connection's RTT and counts from 1 in this many received segments (tcp_probe) besides every send and receive call; 0: calls only", 0, 65_536, 8, "segments");

    internal static readonly SourceDescriptor SourceDescriptor = new(
        "tcp",
        "TCP connections",
        Layer.Network,
        "TCP connections with their owner, bytes sent and received, retransmits, resets and smoothed RTT, live and closed, per process and per remote endpoint; throughput and retransmits over time; listen-queue overflows and SYN drops.")
    {
        Options = [Port, LocalOnly, Families, Timeline, TimelineCap, RecordCap, RttSampleEvery],
        FeedsTimeline = true,
    };

    public SourceDescriptor Descriptor => SourceDescriptor;

    public void Validate(OptionValues options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Get(Families).Count == 0)
        {
            throw new InvalidRequestException("source tcp: families is empty: give ipv4, ipv6 or both");
        }

        if (options.Get(TimelineCap) == 0 && options.Given.Contains(Timeline.Name) && options.Get(Timeline).Count > 0)
        {
            throw new InvalidRequestException(
                $"source tcp: timeline {string.Join(',', options.Get(Timeline))} with timelineCap 0 sends nothing to the timeline: raise timelineCap or leave timeline out");
        }
    }

    /// <summary>Loads the object with maps of its own (then closes it), reporting which attach mechanism loaded.</summary>
    public SourceAvailability Probe()
    {
        try
        {
            using var obj = KitObject.Load(TcpSchema.Object, shared: null);
            return SourceAvailability.Yes(obj.Variant?.Mechanism ?? "tracepoints", "sock_send_length", "tcp_probe", "tcp_retransmit_skb", "/proc/net/netstat");
        }
        catch (BpfException ex)
        {
            return SourceAvailability.No($"source tcp: {ex.Message}", ex.Detail);
        }
        catch (FileNotFoundException ex)
        {
            return SourceAvailability.No($"source tcp: {ex.Message}");
        }
        catch (DllNotFoundException ex)
        {
            return SourceAvailability.No($"source tcp: libbpf is not available: {ex.Message}");
        }
    }

    public ISource Create(SourceContext context) => new TcpSource(context);
}
