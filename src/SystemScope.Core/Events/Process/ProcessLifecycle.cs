namespace SystemScope.Core.Events.Process;

public enum ProcessChange : byte
{
    /// <summary>First time a source recorded this process in the current session (it is alive now).</summary>
    Seen,

    /// <summary>The process was created by another (the header's pid is the child; <see cref="ProcessLifecycle.ParentPid"/> the parent).</summary>
    Fork,

    /// <summary>The process replaced its image (execve): its mappings changed.</summary>
    Exec,

    /// <summary>The process exited (its last thread did).</summary>
    Exit,

    /// <summary>A thread changed its name (prctl PR_SET_NAME, or a write to comm).</summary>
    Rename,

    /// <summary>A new thread in an observed process (the header's tid).</summary>
    ThreadStart,

    /// <summary>A thread of an observed process ended (the header's tid); its track on the timeline ends here.</summary>
    ThreadExit,
}

/// <summary>
/// A change in a process's life. Every session has the process lifecycle source, so symbolisation
/// (which snapshots a process's mappings while it is alive) and "the target exited" never depend on
/// which data sources a session has. <see cref="Name"/> is the process name (the group leader's),
/// or for <see cref="ProcessChange.Rename"/> and thread changes the thread's name.
/// </summary>
public readonly record struct ProcessLifecycle(ProcessChange Change, string Name, int ParentPid = 0)
{
    public static readonly EventKind SeenKind = EventKind.Register("process.seen", Layer.Process);
    public static readonly EventKind ForkKind = EventKind.Register("process.fork", Layer.Process);
    public static readonly EventKind ExecKind = EventKind.Register("process.exec", Layer.Process);
    public static readonly EventKind ExitKind = EventKind.Register("process.exit", Layer.Process);
    public static readonly EventKind RenameKind = EventKind.Register("process.rename", Layer.Process);
    public static readonly EventKind ThreadStartKind = EventKind.Register("thread.start", Layer.Process);
    public static readonly EventKind ThreadExitKind = EventKind.Register("thread.exit", Layer.Process);

    private static readonly EventKind[] Kinds = [SeenKind, ForkKind, ExecKind, ExitKind, RenameKind, ThreadStartKind, ThreadExitKind];

    public static EventKind KindOf(ProcessChange change) => Kinds[(int)change];
}
