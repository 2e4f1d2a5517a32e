namespace SystemScope.Core.Sessions;

/// <summary>Which processes a session observes: one process (thread group) or every process.</summary>
public readonly record struct ProcessTarget
{
    private ProcessTarget(int? pid) => Pid = pid;

    public static ProcessTarget AllProcesses => default;

    public int? Pid { get; }

    public bool IsAllProcesses => Pid is null;

    public static ProcessTarget Process(int pid) =>
        pid > 0 ? new ProcessTarget(pid) : throw new ArgumentOutOfRangeException(nameof(pid), pid, "a process id is positive");

    public override string ToString() => Pid is { } pid ? $"pid {pid}" : "all processes";
}
