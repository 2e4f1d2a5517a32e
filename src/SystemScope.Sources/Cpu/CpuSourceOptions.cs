using SystemScope.Sources.Kit;

namespace SystemScope.Sources.Cpu;

/// <summary>
/// Settings of the CPU source that are not part of a session request: table sizes, stack depth,
/// timing of the drain. The defaults suit any session; tests shrink tables to provoke losses.
/// </summary>
internal sealed record CpuSourceOptions
{
    /// <summary>Entries per counts slot; null sizes it from the expected samples per window.</summary>
    public uint? CountsMaxEntries { get; init; }

    /// <summary>Distinct stacks per slot; null sizes it like the counts.</summary>
    public uint? StacksMaxEntries { get; init; }

    /// <summary>Frames captured per user stack (kit/abi.h SS_MAX_STACK_DEPTH; the kernel's own walker stops at 127).</summary>
    public uint MaxStackDepth { get; init; } = StackRecord.MaxDepth;

    /// <summary>Keep samples of the idle task (pid 0).</summary>
    public bool IncludeIdle { get; init; }

    /// <summary>How often the watermark advances while a window is open.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>After a slot flip, time for programs still writing the old slot to finish (they run for microseconds).</summary>
    public TimeSpan SettleDelay { get; init; } = TimeSpan.FromMilliseconds(2);

    /// <summary>Length of the first window (capped by the session's window): the first flame graph comes quickly.</summary>
    public TimeSpan FirstWindow { get; init; } = TimeSpan.FromMilliseconds(250);

    public static CpuSourceOptions Default { get; } = new();

    /// <summary>Counts entries for a session: room for every sample of a window on every CPU, within bounds.</summary>
    public uint CountsFor(int frequencyHz, TimeSpan window, int cpus)
    {
        if (CountsMaxEntries is { } explicitSize)
        {
            return explicitSize;
        }

        var expected = frequencyHz * window.TotalSeconds * cpus;
        return (uint)Math.Clamp(expected, 4096, 65536);
    }

    public uint StacksFor(int frequencyHz, TimeSpan window, int cpus) =>
        StacksMaxEntries ?? CountsFor(frequencyHz, window, cpus);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (CountsMaxEntries == 0)
        {
            throw new ArgumentException("cpu source: counts table size must be at least 1");
        }

        if (StacksMaxEntries == 0)
        {
            throw new ArgumentException("cpu source: stacks table size must be at least 1");
        }

        if (MaxStackDepth is 0 or > StackRecord.MaxDepth)
        {
            throw new ArgumentException($"cpu source: stack depth {MaxStackDepth} is out of range: use 1 to {StackRecord.MaxDepth} frames");
        }

        if (PollInterval <= TimeSpan.Zero || SettleDelay < TimeSpan.Zero || FirstWindow <= TimeSpan.Zero)
        {
            throw new ArgumentException("cpu source: poll interval and first window must be positive, settle delay not negative");
        }
    }
}
