namespace SystemScope.Core.Sessions;

/// <summary>
/// Gives memory back to the system once the agent has let go of a session's data. An idle agent
/// allocates nothing, so no collection would ever run and it would keep its busiest moment's heap.
/// </summary>
public static class IdleMemory
{
    /// <summary>A full, compacting collection that also returns free pages to the system (tens of ms).</summary>
    public static void Return() =>
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
}
