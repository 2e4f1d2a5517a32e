using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Activity;
using SystemScope.Core.Events.Network;
using SystemScope.Core.Sources;
using SystemScope.Sources.Kit;

namespace SystemScope.Sources.Tcp;

/// <summary>
/// Decodes <c>struct tcp_record</c>: a closed connection becomes a <see cref="TcpConnection"/> (and a
/// span over its lifetime on its owner's thread), a retransmit, reset or state change an instant span.
/// Spans are capped per second; a connection whose owner is unknown gets no span (no thread to put it on).
/// </summary>
internal sealed class RecordDecoder(TcpFormat format, bool connectionSpans, int spansPerSecond) : IRecordBatcher
{
    private const long Second = 1_000_000_000;

    private readonly List<Event<TcpConnection>> _connections = [];
    private readonly List<Event<ActivitySpan>> _spans = [];
    private long _second = -1;
    private int _spansThisSecond;
    private long _closed;
    private long _spansSent;
    private long _capped;

    public long Closed => Interlocked.Read(ref _closed);

    public long Spans => Interlocked.Read(ref _spansSent);

    public long Capped => Interlocked.Read(ref _capped);

    /// <summary>A connection as the kernel's table holds it; <paramref name="nowNs"/> ends a live one's duration.</summary>
    public static Event<TcpConnection> Connection(TcpFormat format, ulong socket, in TcpConn c, long nowNs, bool closed)
    {
        var flags = (TcpConnFlags)c.Flags;
        var side = (flags & TcpConnFlags.Midway) != 0 ? TcpSide.Unknown : (flags & TcpConnFlags.Passive) != 0 ? TcpSide.Passive : TcpSide.Active;
        var birth = (long)c.BirthNs;
        var header = new EventHeader(TcpConnection.Kind, birth, (int)c.Tgid, (int)c.Tid) { DurationNs = Math.Max(0, nowNs - birth) };
        return new Event<TcpConnection>(header, new TcpConnection(
            socket ^ (c.BirthNs * 0x9E3779B97F4A7C15UL),
            c.Comm.ToString(),
            format.Address(c.Family, c.SourceAddress),
            c.SourcePort,
            format.Address(c.Family, c.DestinationAddress),
            c.DestinationPort,
            closed ? TcpState.Closed : (TcpState)c.State,
            side,
            closed,
            (long)c.BytesSent,
            (long)c.BytesReceived,
            c.Retransmits,
            c.ResetsSent,
            c.ResetsReceived,
            c.SrttUs));
    }

    public void OnRecord(ReadOnlySpan<byte> record)
    {
        if (record.Length < Unsafe.SizeOf<TcpRecord>())
        {
            return;
        }

        var r = MemoryMarshal.Read<TcpRecord>(record);
        var ts = (long)r.TimestampNs;
        var closed = (TcpRecKind)r.Kind == TcpRecKind.Close;

        // A closed connection lived until its state became CLOSE (the record comes when it is destroyed).
        var connection = Connection(format, r.Socket, r.Conn, closed ? (long)r.Conn.LastNs : ts, closed);
        var c = connection.Payload;
        switch ((TcpRecKind)r.Kind)
        {
            case TcpRecKind.Close:
                _connections.Add(connection);
                if (connectionSpans)
                {
                    var detail = string.Create(CultureInfo.InvariantCulture, $"{c.Remote}, {TcpFormat.Bytes(c.BytesSent)} sent, {TcpFormat.Bytes(c.BytesReceived)} received, rtt {c.RttUs} us")
                        + (c.Retransmits > 0 ? string.Create(CultureInfo.InvariantCulture, $", {c.Retransmits} retransmits") : string.Empty);
                    Span(connection.Header with { Kind = TcpActivity.Kind }, "connection", detail, c.Remote, (long)r.Conn.LastNs);
                }

                break;
            case TcpRecKind.Retransmit:
                Span(Instant(connection.Header, ts), "retransmit", string.Create(CultureInfo.InvariantCulture, $"{c.Remote}, rtt {c.RttUs} us, {c.Retransmits} so far"), c.Remote, ts);
                break;
            case TcpRecKind.ResetSent:
                Span(Instant(connection.Header, ts), "reset", $"{c.Remote}, sent", c.Remote, ts);
                break;
            case TcpRecKind.ResetReceived:
                Span(Instant(connection.Header, ts), "reset", $"{c.Remote}, received", c.Remote, ts);
                break;
            case TcpRecKind.State:
                Span(Instant(connection.Header, ts), "state", $"{c.Remote}, {TcpStateNames.Of((TcpState)r.OldState)} → {TcpStateNames.Of(c.State)}", c.Remote, ts);
                break;
        }
    }

    public void Flush(ISourceSink sink)
    {
        if (_connections.Count > 0)
        {
            var batch = new EventBatch<TcpConnection>([.. _connections]);
            _connections.Clear();
            Interlocked.Add(ref _closed, batch.Count);
            sink.Publish(batch);
        }

        if (_spans.Count > 0)
        {
            var batch = new EventBatch<ActivitySpan>([.. _spans]);
            _spans.Clear();
            Interlocked.Add(ref _spansSent, batch.Count);
            sink.Publish(batch);
        }
    }

    private static EventHeader Instant(EventHeader header, long ts) => header with { Kind = TcpActivity.Kind, TimestampNs = ts, DurationNs = 0 };

    private void Span(EventHeader header, string name, string detail, string device, long ts)
    {
        if (header.Pid == 0)
        {
            return;
        }

        var second = ts / Second;
        if (second != _second)
        {
            _second = second;
            _spansThisSecond = 0;
        }

        if (_spansThisSecond >= spansPerSecond)
        {
            Interlocked.Increment(ref _capped);
            return;
        }

        _spansThisSecond++;
        _spans.Add(new Event<ActivitySpan>(header, new ActivitySpan(TcpActivity.Category, name, detail, device, ReadOnlyMemory<ulong>.Empty, ReadOnlyMemory<ulong>.Empty)));
    }
}
