using SystemScope.Core.Events;
using SystemScope.Core.Options;

namespace SystemScope.Core.Sources;

/// <summary>
/// What a source is: a stable id (<c>cpu</c>, <c>offcpu</c>, <c>tcp</c> …), for people and for the API,
/// and the options it accepts (from which the API validates requests, the CLI makes flags and the UI
/// its start form). An <see cref="Implicit"/> source is part of every session without being asked for
/// (the process lifecycle).
/// </summary>
public sealed record SourceDescriptor(string Id, string Title, Layer Layer, string Description)
{
    public IReadOnlyList<SourceOption> Options { get; init; } = [];

    public bool Implicit { get; init; }

    /// <summary>
    /// Whether it streams activity spans (slow calls, requests, connections) for the thread timeline: a
    /// session with such a source gets the timeline even without the scheduler source.
    /// </summary>
    public bool FeedsTimeline { get; init; }
}

/// <summary>
/// Whether a source can run on this machine, with the mechanisms it would use (for example
/// <c>perf_event cpu-clock</c>, <c>tp_btf/sched_process_exec</c>) or why it cannot, and the
/// longer diagnostic (such as a BPF verifier log) when there is one.
/// </summary>
public sealed record SourceAvailability(bool Available, IReadOnlyList<string> Mechanisms, string? Reason = null, string? Detail = null)
{
    public static SourceAvailability Yes(params IReadOnlyList<string> mechanisms) => new(true, mechanisms);

    public static SourceAvailability No(string reason, string? detail = null) => new(false, [], reason, detail);
}

/// <summary>What a counter counts, so the UI can tell losses from volume.</summary>
public enum CounterKind : byte
{
    /// <summary>Things observed (samples, switches, events).</summary>
    Events,

    /// <summary>Things lost or dropped: should be 0, shown as a warning otherwise.</summary>
    Lost,

    /// <summary>Anything else worth showing (tables in use, cost in ns per event).</summary>
    Info,
}

/// <summary>
/// One named counter of a running source (<c>samples</c>, <c>lost.counts_full</c>,
/// <c>bpf.ns_per_run</c> …), shown per source by the API and the UI: what looking costs and what was
/// lost is always visible.
/// </summary>
public readonly record struct SourceCounter(string Name, long Value, CounterKind Kind, string Description);
