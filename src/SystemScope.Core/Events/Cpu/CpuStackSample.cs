namespace SystemScope.Core.Events.Cpu;

/// <summary>
/// On-CPU samples of one thread with one call stack, aggregated over a window in the kernel. The
/// header's timestamp and duration give the window; <see cref="Count"/> how many samples fell in it,
/// each standing for <see cref="PeriodNs"/> of CPU time (1 s / frequency).
/// Addresses are raw instruction pointers, leaf first, as the kernel unwound them; symbolisation
/// happens later, off the sampling path.
/// </summary>
public readonly record struct CpuStackSample(
    ReadOnlyMemory<ulong> UserStack,
    ReadOnlyMemory<ulong> KernelStack,
    long Count,
    string ProcessName,
    long PeriodNs = 0)
{
    public static readonly EventKind Kind = EventKind.Register("cpu.sample", Layer.Cpu);
}

/// <summary>
/// One on-CPU sample of a thread, streamed (not aggregated) for the thread timeline, where it is drawn
/// as a tick; the header gives time, pid, tid and CPU. Stacks are optional (empty when not captured).
/// </summary>
public readonly record struct CpuSampleTick(ReadOnlyMemory<ulong> UserStack, ReadOnlyMemory<ulong> KernelStack)
{
    public static readonly EventKind Kind = EventKind.Register("cpu.tick", Layer.Cpu);
}
