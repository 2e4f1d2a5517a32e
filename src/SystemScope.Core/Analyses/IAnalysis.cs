using SystemScope.Core.Events;
using SystemScope.Core.Sessions;

namespace SystemScope.Core.Analyses;

/// <summary>Turns a session's events into a finished model (call tree, histogram, tracks …), incrementally.</summary>
public interface IAnalysis
{
    /// <summary>Forgets everything accumulated so far.</summary>
    void Reset();

    /// <summary>The session now observes other processes; by default the model starts afresh.</summary>
    void Retarget(ProcessTarget target) => Reset();
}

/// <summary>Creates the analyses a session needs; registered once in the composition root.</summary>
public interface IAnalysisProvider
{
    bool AppliesTo(SessionSpec spec);

    /// <summary>Creates the analysis and subscribes it to the session's bus.</summary>
    IAnalysis Create(SessionSpec spec, EventBus bus);
}
