namespace SystemScope.Core.Events.Scheduler;

/// <summary>
/// What a thread is doing, as the scheduler sees it. Decoded from <c>sched_switch</c>'s prev_state as
/// the kernel's <c>__task_state_index</c> does: preempted → <see cref="Runnable"/>; S → <see cref="Sleeping"/>;
/// D (uninterruptible, usually I/O) → <see cref="Blocked"/>; anything else (stopped, traced, dead, idle
/// kernel waits) → <see cref="Other"/>.
/// </summary>
public enum SchedState : byte
{
    Running,
    Runnable,
    Sleeping,
    Blocked,
    Other,
}

public static class SchedStates
{
    /// <summary>The name used on the wire, in folded stacks and in option values.</summary>
    public static string Name(SchedState state) => state switch
    {
        SchedState.Running => "running",
        SchedState.Runnable => "runnable",
        SchedState.Sleeping => "sleeping",
        SchedState.Blocked => "blocked",
        _ => "other",
    };

    /// <summary>The synthetic leaf frame of off-CPU and wall-clock stacks: <c>[sleeping S]</c>, <c>[blocked D]</c>, <c>[runnable]</c>.</summary>
    public static string Leaf(SchedState state) => state switch
    {
        SchedState.Sleeping => "[sleeping S]",
        SchedState.Blocked => "[blocked D]",
        SchedState.Runnable => "[runnable]",
        SchedState.Running => "[running]",
        _ => "[off-CPU other]",
    };
}
