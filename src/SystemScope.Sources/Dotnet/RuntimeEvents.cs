using SystemScope.Core.Events;
using SystemScope.Core.Events.Activity;
using SystemScope.Core.Events.Dotnet;

namespace SystemScope.Sources.Dotnet;

/// <summary>
/// What the decoder of one process's runtime stream produced since it was last taken: typed events
/// ready to publish, each list in the order decoded. Taken (and replaced) by the source's reader thread.
/// </summary>
internal sealed class RuntimeEvents
{
    public List<Event<DotnetGc>> Gcs { get; } = [];

    public List<Event<DotnetAllocation>> Allocations { get; } = [];

    public List<Event<DotnetJit>> Jits { get; } = [];

    public List<Event<DotnetContention>> Contentions { get; } = [];

    public List<Event<DotnetThreadPool>> ThreadPool { get; } = [];

    public List<Event<DotnetException>> Exceptions { get; } = [];

    public List<Event<DotnetCounter>> Counters { get; } = [];

    public List<Event<ActivitySpan>> Spans { get; } = [];

    public int Count => Gcs.Count + Allocations.Count + Jits.Count + Contentions.Count + ThreadPool.Count + Exceptions.Count + Counters.Count + Spans.Count;
}
