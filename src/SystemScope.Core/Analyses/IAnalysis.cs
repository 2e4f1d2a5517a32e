using SystemScope.Core.Events;
using SystemScope.Core.Models;
using SystemScope.Core.Sessions;

namespace SystemScope.Core.Analyses;

/// <summary>
/// Turns a session's events into models (call trees, histograms, tracks …), incrementally. Every
/// call — event batches, <see cref="Reset"/>, <see cref="OnFilterChanged"/>, <see cref="OnTick"/> —
/// comes from the session's analysis loop, one at a time, so an analysis needs no lock of its own;
/// its models lock for their readers.
/// </summary>
public interface IAnalysis
{
    /// <summary>The models it publishes (fixed for the session's life).</summary>
    IReadOnlyList<IModel> Models { get; }

    /// <summary>Forgets everything accumulated so far.</summary>
    void Reset();

    /// <summary>The session now observes other processes; by default the models start afresh.</summary>
    void OnFilterChanged(ProcessFilter filter) => Reset();

    /// <summary>Called every loop tick with the time up to which every source has delivered (its watermark).</summary>
    void OnTick(long watermarkNs)
    {
    }
}

/// <summary>Creates the analyses a session needs; registered once in the composition root (one line each).</summary>
public interface IAnalysisProvider
{
    /// <summary>Whether a session with these sources gets this analysis.</summary>
    bool AppliesTo(IReadOnlySet<string> sources);

    /// <summary>Creates the analysis and subscribes it to the context's bus.</summary>
    IAnalysis Create(AnalysisContext context);
}

/// <summary>What an analysis is given: the session's settings, the bus the loop delivers on, the session's clock origin.</summary>
public sealed class AnalysisContext(SessionSpec spec, IReadOnlySet<string> sources, EventBus bus, LiveFilter filter, long originNs)
{
    public SessionSpec Spec { get; } = spec;

    /// <summary>Ids of the session's sources (the implicit ones included).</summary>
    public IReadOnlySet<string> Sources { get; } = sources;

    /// <summary>Subscribe here (<see cref="EventBus.Subscribe{TPayload}"/>): the session's loop delivers on this bus.</summary>
    public EventBus Bus { get; } = bus;

    public LiveFilter Filter { get; } = filter;

    /// <summary>The session's start on CLOCK_MONOTONIC: times in models are written relative to it.</summary>
    public long OriginNs { get; } = originNs;
}
