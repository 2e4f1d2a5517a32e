using System.Runtime.InteropServices;

namespace SystemScope.Sources.Accel;

/// <summary>The calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID), to report what a scan costs.</summary>
internal static partial class ThreadClock
{
    private const int ClockThreadCpuTime = 3;

    /// <summary>ns of CPU the calling thread has used; -1 when the clock cannot be read.</summary>
    public static long CurrentThreadCpuNs()
    {
        Span<long> timespec = stackalloc long[2];
        return ClockGetTime(ClockThreadCpuTime, ref MemoryMarshal.GetReference(timespec)) == 0 ? (timespec[0] * 1_000_000_000) + timespec[1] : -1;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, ref long timespec);
}
