namespace SystemScope.Core.Events.Activity;

/// <summary>
/// Something a thread did or waited for, worth a place on its timeline track: a slow syscall, a block
/// request it issued, a TCP event, a major fault, later a GPU call or a GC pause. Every layer streams
/// its outliers as this one payload type (each source registers its own <see cref="EventKind"/> for it,
/// such as <c>syscall.slow</c>), so the timeline and "where did the time go" take new layers without
/// changes. The header gives the thread (pid, tid), the start and the duration (0 for an instant).
/// </summary>
/// <param name="Category">What kind of activity, short and stable: <c>syscall</c>, <c>blockio</c>, <c>tcp</c>, <c>fault</c>.</param>
/// <param name="Name">What it was: the syscall's name, <c>write sda</c>, <c>connect</c>, <c>major fault</c>.</param>
/// <param name="Detail">
/// What it was on, as a person reads it (<c>fd 3 /var/lib/x</c>, <c>10.0.0.2:5432</c>, <c>queue 3 ms +
/// device 9 ms, 1 MiB</c>); empty when nothing is known.
/// </param>
/// <param name="Device">
/// A resource the activity also belongs to (a disk such as <c>sda</c>, a network endpoint): the timeline
/// shows the span on that resource's track too, linked back to the thread; empty for none.
/// </param>
/// <param name="UserStack">The thread's user stack at the start, leaf first (empty when not captured).</param>
/// <param name="KernelStack">The kernel stack at the start, leaf first (empty when not captured).</param>
public readonly record struct ActivitySpan(
    string Category,
    string Name,
    string Detail,
    string Device,
    ReadOnlyMemory<ulong> UserStack,
    ReadOnlyMemory<ulong> KernelStack)
{
    /// <summary>The thread's name when the source knows it (a track made for the span is named after it; else <c>tid N</c>).</summary>
    public string ThreadName { get; init; } = string.Empty;

    /// <summary>How the span reads in "where did the time go": <c>in read on fd 3 /var/lib/x</c>.</summary>
    public string Reason => Detail.Length == 0 ? $"in {Name}" : $"in {Name} on {Detail}";
}
