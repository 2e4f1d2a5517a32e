using SystemScope.Core.Events.Activity;

namespace SystemScope.Core.Events.Syscalls;

/// <summary>
/// One process's (or, per thread, one thread's: the header's tid is then set) calls of one syscall over
/// a window, aggregated in the kernel: how many, how many failed and with which errno, their total time
/// and a log2 histogram of ns (bucket 0 = [0, 1) ns, bucket k = [2^(k-1), 2^k) ns, the last open-ended).
/// </summary>
public readonly record struct SyscallStats(
    int Number,
    string Name,
    string ProcessName,
    long Count,
    long Errors,
    long TotalNs,
    long MaxNs,
    ReadOnlyMemory<long> Buckets,
    IReadOnlyList<(string Errno, long Count)> ErrorsByErrno)
{
    public static readonly EventKind Kind = EventKind.Register("syscall.stats", Layer.Syscall);
}

/// <summary>The <see cref="ActivitySpan"/> kind of a call slower than the source's threshold.</summary>
public static class SlowSyscall
{
    public static readonly EventKind Kind = EventKind.Register("syscall.slow", Layer.Syscall);
}
