using SystemScope.Core.Events;

namespace SystemScope.Core.Sources;

/// <summary>What a source is: a stable id (<c>cpu</c>, <c>offcpu</c>, <c>tcp</c> …), for people and for the API.</summary>
public sealed record SourceDescriptor(string Id, string Title, Layer Layer, string Description);

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

/// <summary>Counters a running source keeps; what it lost is counted, never silently dropped.</summary>
public readonly record struct SourceStatistics(long Events, long Lost);
