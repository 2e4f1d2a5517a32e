using System.Diagnostics;

namespace SystemScope.Core.Events;

/// <summary>
/// CLOCK_MONOTONIC in nanoseconds: the clock <c>bpf_ktime_get_ns</c> reads, so events stamped in the
/// kernel and in the agent line up. On Linux <see cref="Stopwatch"/> reads exactly this clock.
/// </summary>
public static class MonotonicClock
{
    private static readonly double TicksToNs = 1e9 / Stopwatch.Frequency;

    public static long NowNs() =>
        Stopwatch.Frequency == 1_000_000_000 ? Stopwatch.GetTimestamp() : (long)(Stopwatch.GetTimestamp() * TicksToNs);
}
