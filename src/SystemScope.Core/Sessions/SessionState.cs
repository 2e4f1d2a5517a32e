using System.Text.Json;
using SystemScope.Core.Sources;

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

/// <summary>A session as a client sees it at one moment. It names its sources and models, never a concrete analysis.</summary>
public sealed record SessionSnapshot(
    string Id,
    SessionState State,
    DateTimeOffset StartedAt,
    double ElapsedSeconds,
    double WindowSeconds,
    FilterSnapshot Filter,
    bool TargetExited,
    IReadOnlyList<SourceSnapshot> Sources,
    IReadOnlyList<ModelSnapshot> Models,
    LeaseSnapshot Lease,
    MemorySnapshot Memory,
    LoopSnapshot Loop,
    string? EndReason);

public sealed record FilterSnapshot(IReadOnlyList<int> Pids, string? Cgroup, string? Comm, string Description);

/// <summary>A source of a session: its options as applied, what it attached with, and its counters (the queue's among them).</summary>
public sealed record SourceSnapshot(
    string Id,
    string Title,
    string Layer,
    bool Implicit,
    JsonElement Options,
    IReadOnlyList<string> Mechanisms,
    IReadOnlyList<SourceCounter> Counters);

public sealed record ModelSnapshot(string Id, string Type, string Title, string Unit, IReadOnlyList<string> Sources, long Version);

/// <summary>Who keeps the session alive and when it ends if nothing changes.</summary>
public sealed record LeaseSnapshot(string Kind, double GraceSeconds, double? DurationSeconds, int Viewers, double? EndsInSeconds);

public sealed record MemorySnapshot(long BudgetBytes, long RetainedBytes, long DroppedHistory);

/// <summary>The analysis loop: batches delivered late (a source fell behind), analysis failures.</summary>
public sealed record LoopSnapshot(long LateBatches, long AnalysisErrors, string? LastError);

/// <summary>Something that takes part in every session, such as symbolisation tracking process lifetimes.</summary>
public interface ISessionParticipant
{
    void Join(Session session);

    void Leave(Session session);
}

/// <summary>Facts about processes and cgroups the session manager checks requests against (over /proc and cgroupfs in the agent).</summary>
public interface IProcessProbe
{
    bool Exists(int pid);

    /// <summary>The cgroup v2 at <paramref name="path"/> (relative to the cgroup root), or null when there is none.</summary>
    CgroupRef? ResolveCgroup(string path) => null;
}
