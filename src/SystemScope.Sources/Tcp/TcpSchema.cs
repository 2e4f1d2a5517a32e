using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SystemScope.Sources.Kit;

namespace SystemScope.Sources.Tcp;

/// <summary>A 16-byte address: an IPv6 address, or an IPv4 one in its first 4 bytes.</summary>
[InlineArray(16)]
internal struct Address16
{
    private byte _first;
}

/// <summary>struct tcp_conn (bpf/tcp.h): one connection.</summary>
[StructLayout(LayoutKind.Explicit, Size = 112)]
internal struct TcpConn
{
    [FieldOffset(0)] public ulong BirthNs;
    [FieldOffset(8)] public ulong LastNs;
    [FieldOffset(16)] public ulong BytesSent;
    [FieldOffset(24)] public ulong BytesReceived;
    [FieldOffset(32)] public uint Tgid;
    [FieldOffset(36)] public uint Tid;
    [FieldOffset(40)] public uint Retransmits;
    [FieldOffset(44)] public uint SrttUs;
    [FieldOffset(48)] public uint ResetsSent;
    [FieldOffset(52)] public uint ResetsReceived;
    [FieldOffset(56)] public ushort Family;
    [FieldOffset(58)] public ushort SourcePort;
    [FieldOffset(60)] public ushort DestinationPort;
    [FieldOffset(62)] public byte State;
    [FieldOffset(63)] public byte Flags;
    [FieldOffset(64)] public Address16 SourceAddress;
    [FieldOffset(80)] public Address16 DestinationAddress;
    [FieldOffset(96)] public Comm16 Comm;

    public static readonly RecordLayout<TcpConn> Layout = RecordLayout<TcpConn>.Of("tcp_conn")
        .Member("birth_ns", static (ref TcpConn c) => ref c.BirthNs)
        .Member("last_ns", static (ref TcpConn c) => ref c.LastNs)
        .Member("bytes_sent", static (ref TcpConn c) => ref c.BytesSent)
        .Member("bytes_received", static (ref TcpConn c) => ref c.BytesReceived)
        .Member("tgid", static (ref TcpConn c) => ref c.Tgid)
        .Member("tid", static (ref TcpConn c) => ref c.Tid)
        .Member("retransmits", static (ref TcpConn c) => ref c.Retransmits)
        .Member("srtt_us", static (ref TcpConn c) => ref c.SrttUs)
        .Member("resets_sent", static (ref TcpConn c) => ref c.ResetsSent)
        .Member("resets_received", static (ref TcpConn c) => ref c.ResetsReceived)
        .Member("family", static (ref TcpConn c) => ref c.Family)
        .Member("sport", static (ref TcpConn c) => ref c.SourcePort)
        .Member("dport", static (ref TcpConn c) => ref c.DestinationPort)
        .Member("state", static (ref TcpConn c) => ref c.State)
        .Member("flags", static (ref TcpConn c) => ref c.Flags)
        .Member("saddr", static (ref TcpConn c) => ref c.SourceAddress)
        .Member("daddr", static (ref TcpConn c) => ref c.DestinationAddress)
        .Member("comm", static (ref TcpConn c) => ref c.Comm);
}

/// <summary>struct tcp_record: a connection's end, a retransmit, a reset or a state change.</summary>
[StructLayout(LayoutKind.Explicit, Size = 136)]
internal struct TcpRecord
{
    [FieldOffset(0)] public ulong TimestampNs;
    [FieldOffset(8)] public ulong Socket;
    [FieldOffset(16)] public uint Kind;
    [FieldOffset(20)] public uint OldState;
    [FieldOffset(24)] public TcpConn Conn;

    public static readonly RecordLayout<TcpRecord> Layout = RecordLayout<TcpRecord>.Of("tcp_record")
        .Member("timestamp_ns", static (ref TcpRecord r) => ref r.TimestampNs)
        .Member("sk", static (ref TcpRecord r) => ref r.Socket)
        .Member("kind", static (ref TcpRecord r) => ref r.Kind)
        .Member("old_state", static (ref TcpRecord r) => ref r.OldState)
        .Member("conn", static (ref TcpRecord r) => ref r.Conn);
}

/// <summary>struct tcp_totals: cumulative totals per CPU.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct TcpTotals
{
    public ulong BytesSent;
    public ulong BytesReceived;
    public ulong Retransmits;
    public ulong ResetsSent;
    public ulong ResetsReceived;
    public ulong Connects;
    public ulong Accepts;
    public ulong Closes;

    public static readonly RecordLayout<TcpTotals> Layout = RecordLayout<TcpTotals>.Of("tcp_totals")
        .Member("bytes_sent", static (ref TcpTotals t) => ref t.BytesSent)
        .Member("bytes_received", static (ref TcpTotals t) => ref t.BytesReceived)
        .Member("retransmits", static (ref TcpTotals t) => ref t.Retransmits)
        .Member("resets_sent", static (ref TcpTotals t) => ref t.ResetsSent)
        .Member("resets_received", static (ref TcpTotals t) => ref t.ResetsReceived)
        .Member("connects", static (ref TcpTotals t) => ref t.Connects)
        .Member("accepts", static (ref TcpTotals t) => ref t.Accepts)
        .Member("closes", static (ref TcpTotals t) => ref t.Closes);

    public static TcpTotals operator +(TcpTotals a, TcpTotals b) => new()
    {
        BytesSent = a.BytesSent + b.BytesSent,
        BytesReceived = a.BytesReceived + b.BytesReceived,
        Retransmits = a.Retransmits + b.Retransmits,
        ResetsSent = a.ResetsSent + b.ResetsSent,
        ResetsReceived = a.ResetsReceived + b.ResetsReceived,
        Connects = a.Connects + b.Connects,
        Accepts = a.Accepts + b.Accepts,
        Closes = a.Closes + b.Closes,
    };
}

/// <summary>struct tcp_listener: who listens on a port.</summary>
[StructLayout(LayoutKind.Explicit, Size = 24)]
internal struct TcpListener
{
    [FieldOffset(0)] public uint Tgid;
    [FieldOffset(4)] public uint Tid;
    [FieldOffset(8)] public Comm16 Comm;

    public static readonly RecordLayout<TcpListener> Layout = RecordLayout<TcpListener>.Of("tcp_listener")
        .Member("tgid", static (ref TcpListener l) => ref l.Tgid)
        .Member("tid", static (ref TcpListener l) => ref l.Tid)
        .Member("comm", static (ref TcpListener l) => ref l.Comm);
}

/// <summary>enum tcp_rec_kind.</summary>
internal enum TcpRecKind : uint
{
    Close = 1,
    Retransmit = 2,
    ResetSent = 3,
    ResetReceived = 4,
    State = 5,
}

/// <summary>enum tcp_conn_flag.</summary>
[Flags]
internal enum TcpConnFlags : uint
{
    Passive = 1,
    Midway = 2,
    OwnerListener = 4,
}

/// <summary>bpf/tcp.bpf.c as the TCP source sees it.</summary>
internal static class TcpSchema
{
    public static readonly ObjectSchema Object = new("tcp.bpf.o");

    public static readonly MapRef<ulong, TcpConn> Connections = Object.Map<ulong, TcpConn>("conns", ScalarLayout.U64, TcpConn.Layout);
    public static readonly MapRef<uint, TcpListener> Listeners = Object.Map<uint, TcpListener>("listeners", ScalarLayout.U32, TcpListener.Layout);
    public static readonly MapRef<uint, TcpTotals> Totals = Object.Map<uint, TcpTotals>("totals", ScalarLayout.U32, TcpTotals.Layout);
    public static readonly MapRef Events = Object.Map("events");

    public static readonly ConstantRef<uint> RecordCapPerCpu = Object.Constant<uint>("record_cap_per_cpu");
    public static readonly ConstantRef<bool> StreamRetransmits = Object.Constant<bool>("stream_retransmits");
    public static readonly ConstantRef<bool> StreamResets = Object.Constant<bool>("stream_resets");
    public static readonly ConstantRef<bool> StreamStates = Object.Constant<bool>("stream_states");
    public static readonly ConstantRef<uint> RttSampleEvery = Object.Constant<uint>("rtt_sample_every");
    public static readonly ConstantRef<ushort> OnlyPort = Object.Constant<ushort>("only_port");
    public static readonly ConstantRef<bool> OnlyLoopback = Object.Constant<bool>("only_loopback");
    public static readonly ConstantRef<bool> WantIpv4 = Object.Constant<bool>("want_ipv4");
    public static readonly ConstantRef<bool> WantIpv6 = Object.Constant<bool>("want_ipv6");

    public static readonly ProgramVariant TpBtf = Object.Variant(
        "tp_btf/inet_sock_set_state",
        Object.Program("state_btf"), Object.Program("destroy_btf"), Object.Program("send_btf"), Object.Program("recv_btf"), Object.Program("probe_btf"),
        Object.Program("tcp_retransmit_btf"), Object.Program("send_reset_btf"), Object.Program("receive_reset_btf"));

    public static readonly ProgramVariant RawTracepoint = Object.Variant(
        "raw_tp/inet_sock_set_state",
        Object.Program("state_raw"), Object.Program("destroy_raw"), Object.Program("send_raw"), Object.Program("recv_raw"), Object.Program("probe_raw"),
        Object.Program("tcp_retransmit_raw"), Object.Program("send_reset_raw"), Object.Program("receive_reset_raw"));

    static TcpSchema()
    {
        Object.Counters("tcp_counter");
        Object.Record(TcpRecord.Layout);
        Object.Enum<TcpRecKind>("tcp_rec_kind", "TCP_REC_");
        Object.Enum<TcpConnFlags>("tcp_conn_flag", "TCP_CONN_");
    }
}
