namespace SystemScope.Core.Processes;

/// <summary>A running process as the process picker shows it.</summary>
/// <param name="KernelThread">A kernel thread: no user space, no user stacks (its name shows in brackets).</param>
public sealed record ProcessInfo(int Pid, string Name, string CommandLine, double CpuPercent, int Threads, long RssBytes, bool KernelThread = false);

/// <summary>Lists running processes (over /proc in the agent), busiest first.</summary>
public interface IProcessCatalog
{
    IReadOnlyList<ProcessInfo> List();
}
