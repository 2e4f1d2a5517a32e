namespace SystemScope.Core.Events.Process;

public enum ProcessChange : byte
{
    /// <summary>First time a source saw this process in the current session (it is alive now).</summary>
    Seen,

    /// <summary>The process replaced its image (execve): its mappings changed.</summary>
    Exec,

    /// <summary>The process exited.</summary>
    Exit,
}

/// <summary>
/// A change in a process's life, as seen by a source. Symbolisation listens to these to snapshot a
/// process's mappings while it is alive, so that samples taken just before it exits still resolve.
/// </summary>
public readonly record struct ProcessLifecycle(ProcessChange Change, string ProcessName)
{
    public static readonly EventKind SeenKind = EventKind.Register("process.seen", Layer.Process);
    public static readonly EventKind ExecKind = EventKind.Register("process.exec", Layer.Process);
    public static readonly EventKind ExitKind = EventKind.Register("process.exit", Layer.Process);

    public static EventKind KindOf(ProcessChange change) => change switch
    {
        ProcessChange.Seen => SeenKind,
        ProcessChange.Exec => ExecKind,
        _ => ExitKind,
    };
}
