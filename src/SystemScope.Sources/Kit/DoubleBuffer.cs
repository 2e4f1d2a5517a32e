using SystemScope.Bpf;
using SystemScope.Core.Events;

namespace SystemScope.Sources.Kit;

/// <summary>
/// Two slots of maps (kit/slots.h): the programs write the active one while user space drains the
/// other. <see cref="Flip"/> switches the programs to the other slot, lets the programs that read the
/// old slot number just before finish, and returns the now quiet slot to drain.
/// </summary>
internal sealed class DoubleBuffer(BpfMap activeSlot, TimeSpan settle)
{
    /// <summary>The slot the programs write now.</summary>
    public int Active { get; private set; }

    /// <summary>Switches slots; returns the slot to drain and when the switch happened (CLOCK_MONOTONIC ns): the window's end.</summary>
    public (int Drained, long FlippedAtNs) Flip()
    {
        var drained = Active;
        Active ^= 1;
        activeSlot.Update(0u, (uint)Active);
        var flippedAt = MonotonicClock.NowNs();

        // Programs run for microseconds; one that read the old number just before the flip is done by now.
        Thread.Sleep(settle);
        return (drained, flippedAt);
    }

    /// <summary>After the programs stopped for good: lets the last ones finish.</summary>
    public void Settle() => Thread.Sleep(settle);

    /// <summary>
    /// One window: flips, then drains the quiet slot with <paramref name="drain"/>(slot, more: false).
    /// Returns the window's end.
    /// </summary>
    public long DrainWindow(Action<int, bool> drain)
    {
        ArgumentNullException.ThrowIfNull(drain);
        var (drained, endNs) = Flip();
        drain(drained, false);
        return endNs;
    }

    /// <summary>
    /// The last window, after the programs stopped: both slots hold its counts, so both are drained,
    /// the second with more: true (the same window continues). Returns the window's end.
    /// </summary>
    public long DrainFinal(Action<int, bool> drain)
    {
        ArgumentNullException.ThrowIfNull(drain);
        Settle();
        var endNs = MonotonicClock.NowNs();
        drain(Active, false);
        drain(Active ^ 1, true);
        return endNs;
    }
}
