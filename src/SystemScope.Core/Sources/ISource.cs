using SystemScope.Core.Events;
using SystemScope.Core.Sessions;

namespace SystemScope.Core.Sources;

/// <summary>
/// The inert side of a source: registered once at start-up, it describes the source, probes whether
/// it can run here, and creates a live <see cref="ISource"/> for each session that asks for it.
/// </summary>
public interface ISourceProvider
{
    SourceDescriptor Descriptor { get; }

    /// <summary>Checks that the source can load and attach here. May briefly load its BPF object.</summary>
    SourceAvailability Probe();

    ISource Create(SourceContext context);
}

/// <summary>What a live source is given: the session's settings and the bus it publishes to.</summary>
public sealed record SourceContext(SessionSpec Spec, EventBus Bus, int AgentPid);

/// <summary>
/// The live side of a source: it owns its kernel objects (BPF programs, perf fds), publishes typed
/// events on the session's bus, and releases everything on <see cref="IDisposable.Dispose"/>.
/// </summary>
public interface ISource : IDisposable
{
    SourceDescriptor Descriptor { get; }

    /// <summary>Loads and attaches. Throws <see cref="Errors.UnavailableException"/> saying why when it cannot.</summary>
    void Start();

    /// <summary>Stops observing without detaching, so that <see cref="Resume"/> is instant.</summary>
    void Pause();

    void Resume();

    /// <summary>Changes which processes are observed, without reloading anything.</summary>
    void Retarget(ProcessTarget target);

    SourceStatistics Statistics { get; }
}
