namespace SystemScope.Core.Events.Cpu;

/// <summary>
/// On-CPU samples of one thread with one call stack, aggregated over a window in the kernel. The
/// header's timestamp and duration give the window; <see cref="Count"/> how many samples fell in it.
/// Addresses are raw instruction pointers, leaf first, as the kernel unwound them; symbolisation
/// happens later, off the sampling path.
/// </summary>
public readonly record struct CpuStackSample(
    ReadOnlyMemory<ulong> UserStack,
    ReadOnlyMemory<ulong> KernelStack,
    long Count,
    string ProcessName)
{
    public static readonly EventKind Kind = EventKind.Register("cpu.sample", Layer.Cpu);
}
