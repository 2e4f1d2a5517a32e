namespace SystemScope.Core.Events.Memory;

/// <summary>
/// Page faults of one thread at one pair of stacks, counted in the kernel over a window (the header's
/// timestamp and duration). <see cref="Major"/>: faults that had to wait for I/O (a page read from a
/// file or swap); minor ones found the page in memory or allocated a fresh one. Stacks are raw
/// addresses, leaf first: the user stack of the faulting code, and a kernel stack when the fault was
/// taken in the kernel (a copy to or from user memory).
/// </summary>
public readonly record struct PageFaultSample(
    ReadOnlyMemory<ulong> UserStack,
    ReadOnlyMemory<ulong> KernelStack,
    long Count,
    bool Major,
    string ProcessName)
{
    public static readonly EventKind Kind = EventKind.Register("memory.faults", Layer.Memory);
}

/// <summary>
/// The memory layer's outliers on the timeline, as <see cref="Activity.ActivitySpan"/>s of this kind:
/// major faults (category <c>fault</c>, instant), direct and cgroup reclaim and compaction stalls, OOM
/// kills (category <c>memory</c>).
/// </summary>
public static class MemorySpans
{
    public static readonly EventKind Kind = EventKind.Register("memory.span", Layer.Memory);
}

/// <summary>
/// One process's memory as /proc says at the end of a window: resident set (<see cref="RssBytes"/>,
/// of which <see cref="AnonBytes"/> anonymous), virtual size, and its cumulative fault counters since
/// it started (the kernel's <c>min_flt</c>/<c>maj_flt</c>).
/// </summary>
public readonly record struct ProcessMemory(
    string Name,
    long RssBytes,
    long AnonBytes,
    long VirtualBytes,
    long MinorFaultsTotal,
    long MajorFaultsTotal)
{
    public static readonly EventKind Kind = EventKind.Register("memory.process", Layer.Memory);
}

/// <summary>
/// Memory pressure (PSI) of the system or of a cgroup over a window: the share of time some or all
/// non-idle tasks were stalled on memory, averaged over 10 s by the kernel, and the stall time the
/// window added (µs, from the cumulative totals).
/// </summary>
/// <param name="Scope"><c>system</c>, or the cgroup's path.</param>
public readonly record struct MemoryPressure(
    string Scope,
    double SomeAvg10,
    double FullAvg10,
    long SomeStallUs,
    long FullStallUs)
{
    public static readonly EventKind Kind = EventKind.Register("memory.pressure", Layer.Memory);
}

/// <summary>Which kind of memory stall.</summary>
public enum MemoryStallKind : byte
{
    DirectReclaim,
    CgroupReclaim,
    Compaction,
}

/// <summary>Stalls of one kind over a window, for the observed threads: how many ended, and their total time.</summary>
public readonly record struct MemoryStalls(MemoryStallKind Stall, long Count, long TotalNs)
{
    public static readonly EventKind Kind = EventKind.Register("memory.stalls", Layer.Memory);
}

/// <summary>
/// The OOM killer chose a victim (header pid: the victim). Sizes are what the victim held at that
/// moment. <see cref="LimitBytes"/> is the nearest memory-cgroup limit at or above the victim's
/// cgroup (0: none), <see cref="CgroupOom"/> whether the kill was that cgroup's (its usage had reached
/// the limit) rather than the whole system's.
/// </summary>
public readonly record struct OomKill(
    string VictimName,
    int TriggerPid,
    long TotalVmBytes,
    long AnonRssBytes,
    long FileRssBytes,
    long ShmemRssBytes,
    int OomScoreAdj,
    string Cgroup,
    string LimitCgroup,
    long LimitBytes,
    long LimitUsageBytes,
    bool CgroupOom)
{
    public static readonly EventKind Kind = EventKind.Register("memory.oom", Layer.Memory);
}
