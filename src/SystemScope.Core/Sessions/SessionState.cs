namespace SystemScope.Core.Sessions;

/// <summary>
/// Starting → Running ⇄ Paused → Stopped. A session that fails to start goes straight to Stopped and
/// holds nothing; Stopped is final.
/// </summary>
public enum SessionState
{
    Starting,
    Running,
    Paused,
    Stopped,
}

/// <summary>A session as a client sees it at one moment.</summary>
public sealed record SessionSnapshot(
    string Id,
    SessionState State,
    IReadOnlyList<string> Sources,
    int? Pid,
    int FrequencyHz,
    DateTimeOffset StartedAt,
    double ElapsedSeconds,
    long ProfileSamples,
    long CollectedSamples,
    long LostSamples,
    bool TargetExited,
    int ModelVersion);

/// <summary>Something that takes part in every session, such as symbolisation tracking process lifetimes.</summary>
public interface ISessionParticipant
{
    void Join(Session session);

    void Leave(Session session);
}

/// <summary>Tells whether a process exists (implemented over /proc by the composition root).</summary>
public interface IProcessProbe
{
    bool Exists(int pid);
}
