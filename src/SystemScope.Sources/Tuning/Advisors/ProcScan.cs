using System.Globalization;

namespace SystemScope.Sources.Tuning.Advisors;

/// <summary>The few /proc facts advisors need beyond the models: processes, their CPU time, network namespace and cgroup.</summary>
public static class ProcScan
{
    /// <summary>Clock ticks per second of /proc/PID/stat times (USER_HZ is 100 on every Linux ABI).</summary>
    public const double TicksPerSecond = 100;

    public static IEnumerable<int> Pids(string procRoot)
    {
        foreach (var directory in Directory.EnumerateDirectories(procRoot))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                yield return pid;
            }
        }
    }

    /// <summary>User plus system CPU time in ticks, or null when the process is gone.</summary>
    public static long? CpuTicks(string procRoot, int pid)
    {
        try
        {
            var fields = ProcessControl.StatFields(procRoot, pid);
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }

    public static Dictionary<int, long> CpuTicksOfAll(string procRoot)
    {
        var ticks = new Dictionary<int, long>();
        foreach (var pid in Pids(procRoot))
        {
            if (CpuTicks(procRoot, pid) is { } t)
            {
                ticks[pid] = t;
            }
        }

        return ticks;
    }

    public static string Name(string procRoot, int pid)
    {
        try
        {
            return File.ReadAllText(Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture), "comm")).Trim();
        }
        catch (IOException)
        {
            return "?";
        }
    }

    /// <summary>The cgroup v2 path of a process (<c>0::/path</c>), or null.</summary>
    public static string? Cgroup(string procRoot, int pid)
    {
        try
        {
            return File.ReadLines(Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture), "cgroup"))
                .FirstOrDefault(l => l.StartsWith("0::", StringComparison.Ordinal))?[3..];
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>A TcpExt counter of the network namespace a process is in (<c>/proc/PID/net/netstat</c>), or null.</summary>
    public static long? NetstatCounter(string procRoot, int pid, string name)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture), "net", "netstat"));
        }
        catch (IOException)
        {
            return null;
        }

        for (var i = 0; i + 1 < lines.Length; i += 2)
        {
            var names = lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var values = lines[i + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (names.Length > 0 && names[0] == "TcpExt:")
            {
                var index = Array.IndexOf(names, name);
                return index > 0 && index < values.Length && long.TryParse(values[index], CultureInfo.InvariantCulture, out var v) ? v : null;
            }
        }

        return null;
    }
}
