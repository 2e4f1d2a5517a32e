namespace SystemScope.Core.Events;

/// <summary>
/// The header every event carries, whatever its layer. Timestamps are CLOCK_MONOTONIC nanoseconds,
/// the clock of <c>bpf_ktime_get_ns</c>, so kernel and user-space events share one timeline.
/// </summary>
public readonly record struct EventHeader
{
    public EventHeader(EventKind kind, long timestampNs, int pid, int tid)
    {
        Kind = kind;
        TimestampNs = timestampNs;
        Pid = pid;
        Tid = tid;
    }

    public EventKind Kind { get; init; }

    /// <summary>Start of the event (CLOCK_MONOTONIC, ns).</summary>
    public long TimestampNs { get; init; }

    /// <summary>Length of the event in ns; 0 for instants. For aggregated events, the window they cover.</summary>
    public long DurationNs { get; init; }

    /// <summary>Process id (thread group id, as user space sees it).</summary>
    public int Pid { get; init; }

    /// <summary>Thread id.</summary>
    public int Tid { get; init; }

    /// <summary>CPU the event happened on; -1 when unknown or when the event spans several.</summary>
    public int Cpu { get; init; } = -1;

    /// <summary>cgroup v2 id of the task; 0 when unknown.</summary>
    public ulong CgroupId { get; init; }

    public Layer Layer => Kind.Layer;
}
