namespace SystemScope.Core.Events;

/// <summary>How the event named by a <see cref="CausalLink"/> caused the one that carries it.</summary>
public enum CausalRelation : byte
{
    None,

    /// <summary>The linked thread woke this one (scheduler wakeups).</summary>
    WokenBy,

    /// <summary>The linked syscall issued this request (block I/O, network).</summary>
    IssuedBy,

    /// <summary>The linked CPU thread launched this work (GPU kernels, copies).</summary>
    LaunchedBy,

    /// <summary>The linked process forked this one.</summary>
    ForkedFrom,
}

/// <summary>
/// A pointer from an event to the event that caused it, identified by thread and time rather than
/// by reference so that events stay plain values that can be copied out of a ring buffer.
/// </summary>
public readonly record struct CausalLink(CausalRelation Relation, int Pid, int Tid, long TimestampNs)
{
    public static CausalLink None => default;

    public bool IsPresent => Relation != CausalRelation.None;
}
