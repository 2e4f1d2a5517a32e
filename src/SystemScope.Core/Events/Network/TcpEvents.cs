namespace SystemScope.Core.Events.Network;

/// <summary>TCP states, numbered as the kernel numbers them (include/net/tcp_states.h).</summary>
public enum TcpState : byte
{
    Unknown = 0,
    Established = 1,
    SynSent = 2,
    SynReceived = 3,
    FinWait1 = 4,
    FinWait2 = 5,
    TimeWait = 6,
    Closed = 7,
    CloseWait = 8,
    LastAck = 9,
    Listen = 10,
    Closing = 11,
    NewSynReceived = 12,
}

/// <summary>The kernel's names of the states, as <c>ss</c> and tcplife print them.</summary>
public static class TcpStateNames
{
    public static string Of(TcpState state) => state switch
    {
        TcpState.Established => "ESTABLISHED",
        TcpState.SynSent => "SYN_SENT",
        TcpState.SynReceived => "SYN_RECV",
        TcpState.FinWait1 => "FIN_WAIT1",
        TcpState.FinWait2 => "FIN_WAIT2",
        TcpState.TimeWait => "TIME_WAIT",
        TcpState.Closed => "CLOSE",
        TcpState.CloseWait => "CLOSE_WAIT",
        TcpState.LastAck => "LAST_ACK",
        TcpState.Listen => "LISTEN",
        TcpState.Closing => "CLOSING",
        TcpState.NewSynReceived => "NEW_SYN_RECV",
        _ => "UNKNOWN",
    };
}

/// <summary>Who opened a connection: this side (connect) or the peer (accepted), or unknown (open before the session).</summary>
public enum TcpSide : byte
{
    Active,
    Passive,
    Unknown,
}

/// <summary>
/// One TCP connection as the kernel counts it: a live one (a snapshot each window, <see cref="Closed"/>
/// false) or one that ended (<see cref="Closed"/> true, final counts). The header's pid/tid are its
/// owner's (the process that connected, accepted or closed it; 0 when unknown), its timestamp when the
/// connection was first seen (its SYN, or its first call when it was open before the session) and its
/// duration the time since. <see cref="Id"/> tells connections apart (the socket's address and birth).
/// Bytes are payload bytes: sent = acknowledged by the peer, received = received in order.
/// </summary>
public readonly record struct TcpConnection(
    ulong Id,
    string Comm,
    string LocalAddress,
    int LocalPort,
    string RemoteAddress,
    int RemotePort,
    TcpState State,
    TcpSide Side,
    bool Closed,
    long BytesSent,
    long BytesReceived,
    long Retransmits,
    long ResetsSent,
    long ResetsReceived,
    long RttUs)
{
    public static readonly EventKind Kind = EventKind.Register("tcp.connection", Layer.Network);

    /// <summary>The remote endpoint as people write it: <c>10.0.0.2:5432</c>, <c>[::1]:443</c>.</summary>
    public string Remote => Endpoint(RemoteAddress, RemotePort);

    public string Local => Endpoint(LocalAddress, LocalPort);

    public static string Endpoint(string address, int port) =>
        address.Contains(':', StringComparison.Ordinal) ? $"[{address}]:{port}" : $"{address}:{port}";
}

/// <summary>
/// The observed connections' totals over one window (header: window start, duration): payload bytes
/// sent and received, retransmits, resets, opens and closes; and the network namespace's listen-queue
/// overflows and drops (TcpExt counters of the agent's namespace, /proc/net/netstat).
/// </summary>
public readonly record struct TcpWindow(
    long BytesSent,
    long BytesReceived,
    long Retransmits,
    long ResetsSent,
    long ResetsReceived,
    long Connects,
    long Accepts,
    long Closes,
    long LiveConnections,
    long ListenOverflows,
    long ListenDrops,
    long SynCookiesSent)
{
    public static readonly EventKind Kind = EventKind.Register("tcp.window", Layer.Network);
}

/// <summary>The EventKind of the TCP layer's <see cref="Activity.ActivitySpan"/>s (closed connections, retransmits, resets).</summary>
public static class TcpActivity
{
    public static readonly EventKind Kind = EventKind.Register("tcp.activity", Layer.Network);

    public const string Category = "tcp";
}
