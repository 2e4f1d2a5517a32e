namespace SystemScope.Core.Events.Scheduler;

/// <summary>
/// A context switch on <see cref="Cpu"/>, streamed for the thread timeline: <c>prev</c> leaves the CPU in
/// <see cref="PrevState"/>, <c>next</c> runs. The header's pid/tid are prev's. Names are the threads' comm.
/// A side whose thread is outside the session's filter (or the idle task) has tid 0: the record is
/// streamed when either side is observed.
/// </summary>
public readonly record struct ThreadSwitch(int Cpu, int PrevPid, int PrevTid, SchedState PrevState, int NextPid, int NextTid, string PrevName, string NextName)
{
    public static readonly EventKind Kind = EventKind.Register("sched.switch", Layer.Scheduler);
}

/// <summary>
/// A wakeup, streamed for the timeline: the header's pid/tid are the waker's (the thread running when
/// <c>sched_waking</c> fired), the payload names the woken thread and the CPU it will run on.
/// </summary>
public readonly record struct ThreadWakeup(int WakeePid, int WakeeTid, int TargetCpu, string WakerName)
{
    public static readonly EventKind Kind = EventKind.Register("sched.wakeup", Layer.Scheduler);
}

/// <summary>Which threads a latency distribution covers.</summary>
public enum LatencyGroup : byte
{
    All,
    Process,
    Cgroup,
}

/// <summary>
/// Run-queue latency (wakeup or preemption → running) aggregated over a window in the kernel, as a
/// log2 histogram of µs: bucket 0 = [0, 1) µs, bucket k = [2^(k-1), 2^k) µs, the last one open-ended.
/// <see cref="GroupId"/> is the tgid for <see cref="LatencyGroup.Process"/>, the cgroup id for
/// <see cref="LatencyGroup.Cgroup"/>; <see cref="Label"/> names it (process name, cgroup path).
/// </summary>
public readonly record struct RunQueueLatency(LatencyGroup Group, ulong GroupId, string Label, ReadOnlyMemory<long> Buckets, long Count, long SumNs, long MaxNs)
{
    public static readonly EventKind Kind = EventKind.Register("sched.runqlat", Layer.Scheduler);
}

/// <summary>Per thread, over a window: switches it made (voluntary: it blocked; involuntary: preempted) and CPU migrations.</summary>
public readonly record struct ThreadSwitchCounts(long Voluntary, long Involuntary, long Migrations, string Name, string ProcessName)
{
    public static readonly EventKind Kind = EventKind.Register("sched.switches", Layer.Scheduler);
}

/// <summary>Per CPU, over a window: run-queue length averaged over time (runnable threads besides the running one) and its maximum.</summary>
public readonly record struct RunQueueLength(int Cpu, double Average, int Max)
{
    public static readonly EventKind Kind = EventKind.Register("sched.runqlen", Layer.Scheduler);
}

/// <summary>
/// A source's report, once per window, of events it did not stream because they exceeded its
/// per-second cap (so the timeline can say what it is not showing).
/// </summary>
public readonly record struct StreamCap(string Stream, long Capped, long CapPerSecond)
{
    public static readonly EventKind Kind = EventKind.Register("stream.cap", Layer.Process);
}
