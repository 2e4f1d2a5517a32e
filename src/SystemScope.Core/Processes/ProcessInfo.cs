namespace SystemScope.Core.Processes;

/// <summary>A running process as the process picker shows it.</summary>
public sealed record ProcessInfo(int Pid, string Name, string CommandLine, double CpuPercent, int Threads, long RssBytes);

/// <summary>Lists running processes (over /proc in the agent), busiest first.</summary>
public interface IProcessCatalog
{
    IReadOnlyList<ProcessInfo> List();
}
