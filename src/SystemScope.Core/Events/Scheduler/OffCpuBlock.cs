namespace SystemScope.Core.Events.Scheduler;

/// <summary>
/// Who woke a blocked thread: the waking thread and, when captured, its stack at the wakeup
/// (as in offwaketime). A zero <see cref="Tid"/> means unknown; an interrupt's wakeup is attributed
/// to the thread it interrupted (or the idle task, pid 0).
/// </summary>
public readonly record struct Waker(int Pid, int Tid, string Name, ReadOnlyMemory<ulong> UserStack, ReadOnlyMemory<ulong> KernelStack)
{
    public bool IsKnown => Tid != 0 || !string.IsNullOrEmpty(Name);
}

/// <summary>
/// Off-CPU time of one thread at one blocking stack (and one waker), aggregated over a window in the
/// kernel: <see cref="BlockedNs"/> from switch-out to wakeup, <see cref="RunnableNs"/> from wakeup to
/// switch-in (waiting for a CPU), over <see cref="Count"/> blocks. The header's time and duration give
/// the window; stacks are leaf first, taken at switch-out.
/// </summary>
public readonly record struct OffCpuBlock(
    ReadOnlyMemory<ulong> UserStack,
    ReadOnlyMemory<ulong> KernelStack,
    SchedState State,
    long BlockedNs,
    long RunnableNs,
    long Count,
    string ProcessName,
    Waker Waker)
{
    public static readonly EventKind Kind = EventKind.Register("offcpu.block", Layer.Scheduler);
}

/// <summary>
/// One block of a thread, streamed for the timeline when it lasted at least the source's threshold:
/// the header's time is the switch-out, its duration the blocked time (until the wakeup); then
/// <see cref="RunnableNs"/> waiting for a CPU. Stacks leaf first; the waker as in <see cref="OffCpuBlock"/>.
/// </summary>
public readonly record struct BlockSpan(
    SchedState State,
    long RunnableNs,
    ReadOnlyMemory<ulong> UserStack,
    ReadOnlyMemory<ulong> KernelStack,
    Waker Waker)
{
    public static readonly EventKind Kind = EventKind.Register("offcpu.span", Layer.Scheduler);
}
