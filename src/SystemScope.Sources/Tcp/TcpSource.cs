using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Network;
using SystemScope.Core.Events.Scheduler;
using SystemScope.Core.Sources;
using SystemScope.Sources.Kit;
using SystemScope.Sources.Process;

namespace SystemScope.Sources.Tcp;

/// <summary>
/// TCP connections for one session, on the BPF kit. Start loads <c>tcp.bpf.o</c> with the session's
/// shared maps and attaches inet_sock_set_state, sock_send_length/sock_recv_length, tcp_probe,
/// tcp_retransmit_skb and the reset tracepoints (tp_btf, else raw_tp). A ring reader publishes closed
/// connections (<see cref="TcpConnection"/>, final counts) and the timeline's spans; once per window
/// the loop publishes every live connection's counts, and the window's totals with the namespace's
/// listen-queue overflows (<see cref="TcpWindow"/>).
/// </summary>
internal sealed class TcpSource(SourceContext context) : KitSource
{
    private static readonly TimeSpan FirstWindow = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    private readonly TcpFormat _format = new();
    private readonly HashSet<ulong> _seen = [];
    private SinkLanes? _lanes;
    private RecordDecoder? _records;
    private ProcessChannel? _channel;
    private TcpTotals _lastTotals;
    private NetStat.ListenCounters _lastListen;
    private long _live;
    private long _cappedReported;

    public override SourceDescriptor Descriptor => TcpSourceProvider.SourceDescriptor;

    protected override string ObjectName => TcpSchema.Object.Name;

    protected override IEnumerable<SourceCounter> OwnCounters() =>
    [
        new("connections.closed", _records?.Closed ?? 0, CounterKind.Events, "closed connections received from the kernel"),
        new("connections.live", Interlocked.Read(ref _live), CounterKind.Info, "connections open now (last window)"),
        new("timeline.spans", _records?.Spans ?? 0, CounterKind.Events, "spans sent to the timeline"),
        new("timeline.capped", _records?.Capped ?? 0, CounterKind.Lost, "spans not sent to the timeline: over timelineCap"),
    ];

    protected override void StartLocked()
    {
        var options = context.Options;
        var timeline = options.Get(TcpSourceProvider.Timeline);
        var families = options.Get(TcpSourceProvider.Families);
        Shared = SharedKernelMaps.For(context);
        KernelObject = KitObject.Load(TcpSchema.Object, Shared, setup =>
        {
            setup.Set(TcpSchema.RecordCapPerCpu, (uint)options.Get(TcpSourceProvider.RecordCap));
            setup.Set(TcpSchema.StreamRetransmits, timeline.Contains("retransmit"));
            setup.Set(TcpSchema.StreamResets, timeline.Contains("reset"));
            setup.Set(TcpSchema.StreamStates, timeline.Contains("state"));
            setup.Set(TcpSchema.RttSampleEvery, (uint)options.Get(TcpSourceProvider.RttSampleEvery));
            setup.Set(TcpSchema.OnlyPort, (ushort)options.Get(TcpSourceProvider.Port));
            setup.Set(TcpSchema.OnlyLoopback, options.Get(TcpSourceProvider.LocalOnly));
            setup.Set(TcpSchema.WantIpv4, families.Contains("ipv4"));
            setup.Set(TcpSchema.WantIpv6, families.Contains("ipv6"));
        });
        _channel = ProcessChannel.Of(context);
        _lanes = new SinkLanes(context.Sink, 2);
        _records = new RecordDecoder(_format, timeline.Contains("connection"), (int)options.Get(TcpSourceProvider.TimelineCap));
        Reader = new RingReader("systemscope tcp events", _lanes[1], Poll);
        Reader.Add(KernelObject.Map(TcpSchema.Events), _records);
        _lastTotals = ReadTotals();
        _lastListen = NetStat.Read();
        Loop = new WindowLoop("systemscope tcp source", _lanes[0], context.Window, FirstWindow, Poll, Collect, Collect, Release);
        AttachLocked();
        Mechanisms = [.. KernelObject.Sections.Distinct(), "/proc/net/netstat"];
        Reader.Start();
        Loop.Start();
    }

    private long Collect(long startNs)
    {
        var endNs = MonotonicClock.NowNs();
        _channel?.Flush();
        var live = LiveConnections(endNs);
        Interlocked.Exchange(ref _live, live.Length);

        var totals = ReadTotals();
        var listen = NetStat.Read();
        var window = new TcpWindow(
            Delta(totals.BytesSent, _lastTotals.BytesSent),
            Delta(totals.BytesReceived, _lastTotals.BytesReceived),
            Delta(totals.Retransmits, _lastTotals.Retransmits),
            Delta(totals.ResetsSent, _lastTotals.ResetsSent),
            Delta(totals.ResetsReceived, _lastTotals.ResetsReceived),
            Delta(totals.Connects, _lastTotals.Connects),
            Delta(totals.Accepts, _lastTotals.Accepts),
            Delta(totals.Closes, _lastTotals.Closes),
            live.Length,
            Math.Max(0, listen.Overflows - _lastListen.Overflows),
            Math.Max(0, listen.Drops - _lastListen.Drops),
            Math.Max(0, listen.SynCookiesSent - _lastListen.SynCookiesSent));
        _lastTotals = totals;
        _lastListen = listen;

        Refresh();
        context.Sink.Publish(new EventBatch<TcpConnection>(live));
        context.Sink.Publish(new EventBatch<TcpWindow>([new(new EventHeader(TcpWindow.Kind, startNs, 0, 0) { DurationNs = endNs - startNs }, window)]));
        ReportCap(startNs, endNs);
        _lanes![0].Advance(endNs);
        return endNs;
    }

    private static long Delta(ulong now, ulong before) => now >= before ? (long)(now - before) : 0;

    /// <summary>Every connection in the kernel's table now. The kernel deletes entries as we walk: each key is taken once, the walk is bounded.</summary>
    private Event<TcpConnection>[] LiveConnections(long nowNs)
    {
        var map = KernelObject!.Map(TcpSchema.Connections);
        var events = new List<Event<TcpConnection>>();
        _seen.Clear();
        ulong key = 0, next = 0;
        var value = default(TcpConn);
        var limit = 2 * (long)map.MaxEntries;
        for (var more = map.TryGetNextKey([], AsBytes(ref next)); more && limit-- > 0; more = map.TryGetNextKey(AsBytes(ref key), AsBytes(ref next)))
        {
            key = next;
            if (!_seen.Add(key) || !map.TryLookup(AsBytes(ref key), AsBytes(ref value)))
            {
                continue;
            }

            // Closed, its descriptor still open: its life ended at CLOSE.
            var endNs = value.State == (byte)TcpState.Closed ? (long)value.LastNs : nowNs;
            events.Add(RecordDecoder.Connection(_format, key, value, endNs, closed: false));
        }

        return [.. events];
    }

    private TcpTotals ReadTotals()
    {
        var map = KernelObject!.Map(TcpSchema.Totals);
        var buffer = new byte[map.ValueBufferSize];
        Span<byte> key = stackalloc byte[sizeof(uint)];
        key.Clear();
        var sum = default(TcpTotals);
        if (!map.TryLookup(key, buffer))
        {
            return sum;
        }

        for (var offset = 0; offset + Unsafe.SizeOf<TcpTotals>() <= buffer.Length; offset += map.PerCpuStride)
        {
            sum += MemoryMarshal.Read<TcpTotals>(buffer.AsSpan(offset, Unsafe.SizeOf<TcpTotals>()));
        }

        return sum;
    }

    private void ReportCap(long startNs, long endNs)
    {
        var capped = KernelValues.GetValueOrDefault("records.capped");
        var delta = capped - _cappedReported;
        _cappedReported = capped;
        var header = new EventHeader(StreamCap.Kind, startNs, 0, 0) { DurationNs = endNs - startNs };
        context.Sink.Publish(new EventBatch<StreamCap>([new(header, new StreamCap("tcp.records", delta, context.Options.Get(TcpSourceProvider.RecordCap)))]));
    }

    private static Span<byte> AsBytes<T>(ref T value)
        where T : unmanaged => MemoryMarshal.AsBytes(new Span<T>(ref value));
}
