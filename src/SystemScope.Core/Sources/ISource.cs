using SystemScope.Core.Events;
using SystemScope.Core.Options;
using SystemScope.Core.Sessions;

namespace SystemScope.Core.Sources;

/// <summary>
/// The inert side of a source: registered once at start-up (one line in the composition root), it
/// describes the source and its options, probes whether it can run here, and creates a live
/// <see cref="ISource"/> for each session that asks for it.
/// </summary>
public interface ISourceProvider
{
    SourceDescriptor Descriptor { get; }

    /// <summary>Checks that the source can load and attach here. May briefly load its BPF object.</summary>
    SourceAvailability Probe();

    /// <summary>
    /// Checks settings that depend on each other (each option's own range is already checked);
    /// throws <see cref="Errors.InvalidRequestException"/> naming the problem.
    /// </summary>
    void Validate(OptionValues options)
    {
    }

    ISource Create(SourceContext context);
}

/// <summary>
/// What a live source is given: its validated options, the session's settings and filter, where to
/// hand over its events, and the session's shared resources (kernel objects several sources use).
/// </summary>
public sealed class SourceContext(
    string sourceId,
    OptionValues options,
    SessionSpec spec,
    LiveFilter filter,
    ISourceSink sink,
    SessionResources resources,
    int agentPid)
{
    public string SourceId { get; } = sourceId;

    public OptionValues Options { get; } = options;

    public SessionSpec Spec { get; } = spec;

    /// <summary>The session's filter; it changes while the session runs (subscribe to follow it).</summary>
    public LiveFilter Filter { get; } = filter;

    public ISourceSink Sink { get; } = sink;

    public SessionResources Resources { get; } = resources;

    public int AgentPid { get; } = agentPid;

    /// <summary>How often aggregated data is collected from the kernel.</summary>
    public TimeSpan Window => Spec.Window;

    public bool IncludeAgent => Spec.IncludeAgent;
}

/// <summary>
/// Where a source hands over what it decoded. <see cref="Publish{TPayload}"/> may be called from the
/// source's reader thread; it never blocks: when the session's queue is full the batch is dropped
/// and counted against the source.
/// </summary>
public interface ISourceSink
{
    /// <summary>Hands over an owned batch; the source must not touch its array afterwards.</summary>
    void Publish<TPayload>(EventBatch<TPayload> batch)
        where TPayload : struct;

    /// <summary>
    /// Promises that no event starting before <paramref name="timestampNs"/> will be published any more
    /// (the source's watermark), so that analyses can see every layer in timestamp order. Sources
    /// that publish rarely call this on each poll so that they never hold the others back.
    /// </summary>
    void Advance(long timestampNs);
}

/// <summary>
/// The live side of a source: it owns its kernel objects (BPF programs, perf fds), hands over typed
/// events, follows the session's filter, and releases everything on <see cref="IDisposable.Dispose"/>
/// (publishing what it still holds first).
/// </summary>
public interface ISource : IDisposable
{
    SourceDescriptor Descriptor { get; }

    /// <summary>Loads and attaches. Throws <see cref="Errors.UnavailableException"/> saying why when it cannot.</summary>
    void Start();

    /// <summary>Stops observing without detaching, so that <see cref="Resume"/> is instant.</summary>
    void Pause();

    void Resume();

    /// <summary>What it attached with (<c>tp_btf/sched_switch</c>, <c>perf_event cpu-clock</c> …), once started.</summary>
    IReadOnlyList<string> Mechanisms { get; }

    /// <summary>Its named counters now: events, losses (each named), and what it costs.</summary>
    IReadOnlyList<SourceCounter> Counters { get; }
}
