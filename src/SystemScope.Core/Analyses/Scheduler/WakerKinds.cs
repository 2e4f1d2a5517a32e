using SystemScope.Core.Symbols;

namespace SystemScope.Core.Analyses.Scheduler;

/// <summary>
/// Tells a thread's wakeup from an interrupt's. When an interrupt (a timer expiring, a device) wakes
/// a thread, sched_waking runs in whatever task the interrupt landed on — so the "waker" would be an
/// innocent bystander. The waker's kernel stack says which it was: an interrupt entry below
/// try_to_wake_up. Such a waker is named after the function that did the waking
/// (<c>interrupt: hrtimer_wakeup</c>) and keeps only the interrupt's frames.
/// </summary>
public static class WakerKinds
{
    private static readonly string[] InterruptEntries = ["asm_sysvec_", "asm_common_interrupt", "asm_spurious_interrupt", "__do_softirq", "handle_softirqs", "irq_exit"];

    /// <summary>
    /// The interrupt frames of a waker's stack (root first) and a name for it, when the wakeup came from
    /// an interrupt; null for a wakeup a thread made itself.
    /// </summary>
    public static (string Name, int FirstInterruptFrame)? Interrupt(ReadOnlySpan<Symbol> rootFirst)
    {
        for (var i = 0; i < rootFirst.Length; i++)
        {
            var frame = rootFirst[i];
            if (frame.Kind == FrameKind.Kernel && IsInterruptEntry(frame.Name))
            {
                // The function that woke: the frame just above try_to_wake_up (hrtimer_wakeup, a device's handler …).
                var waking = "interrupt";
                for (var j = rootFirst.Length - 1; j > i; j--)
                {
                    if (rootFirst[j].Name is "try_to_wake_up" or "wake_up_process" && j > i + 1)
                    {
                        waking = rootFirst[j - 1].Name;
                        break;
                    }
                }

                return ($"interrupt: {waking}", i);
            }
        }

        return null;
    }

    private static bool IsInterruptEntry(string name)
    {
        foreach (var entry in InterruptEntries)
        {
            if (name.StartsWith(entry, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
