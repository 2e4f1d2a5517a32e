using System.Globalization;

namespace SystemScope.Sources.Memory;

/// <summary>One process's memory figures from /proc/PID/stat.</summary>
internal readonly record struct ProcStat(int Pid, string Name, long MinorFaults, long MajorFaults, long VirtualBytes, long RssBytes);

/// <summary>One line of a PSI file: <c>some avg10=0.12 avg60=… avg300=… total=1234</c> (total in µs).</summary>
internal readonly record struct PsiLine(double Avg10, long TotalUs);

/// <summary>
/// Readers of the /proc and cgroup files the memory source samples once per window. A process can
/// exit between listing and reading, a cgroup can go away: that is never an error, the value is absent.
/// </summary>
internal static class ProcMemory
{
    public static readonly long PageSize = Environment.SystemPageSize;

    /// <summary>Parses /proc/PID/stat: the name sits in parentheses and may itself contain spaces and parentheses.</summary>
    public static bool TryParseStat(int pid, string stat, out ProcStat result)
    {
        result = default;
        var open = stat.IndexOf('(', StringComparison.Ordinal);
        var close = stat.LastIndexOf(')');
        if (open < 0 || close < open)
        {
            return false;
        }

        // Fields after the name, numbered from 3 (state) as in proc(5).
        var fields = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        const int First = 3;
        if (fields.Length < 24 - First + 1
            || !long.TryParse(fields[10 - First], CultureInfo.InvariantCulture, out var minflt)
            || !long.TryParse(fields[12 - First], CultureInfo.InvariantCulture, out var majflt)
            || !long.TryParse(fields[23 - First], CultureInfo.InvariantCulture, out var vsize)
            || !long.TryParse(fields[24 - First], CultureInfo.InvariantCulture, out var rss))
        {
            return false;
        }

        result = new ProcStat(pid, stat[(open + 1)..close], minflt, majflt, vsize, rss * PageSize);
        return true;
    }

    public static bool TryReadStat(string procRoot, int pid, out ProcStat result)
    {
        result = default;
        return TryRead(Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture), "stat"), out var text) && TryParseStat(pid, text, out result);
    }

    /// <summary>Anonymous resident bytes: /proc/PID/statm's resident less its file-backed and shared pages; 0 when gone.</summary>
    public static long AnonBytes(string procRoot, int pid)
    {
        if (!TryRead(Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture), "statm"), out var text))
        {
            return 0;
        }

        var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return fields.Length >= 3
               && long.TryParse(fields[1], CultureInfo.InvariantCulture, out var resident)
               && long.TryParse(fields[2], CultureInfo.InvariantCulture, out var shared)
            ? Math.Max(0, resident - shared) * PageSize
            : 0;
    }

    /// <summary>The process's cgroup v2 path (the <c>0::</c> line of /proc/PID/cgroup), or null.</summary>
    public static string? CgroupPath(string procRoot, int pid)
    {
        if (!TryRead(Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture), "cgroup"), out var text))
        {
            return null;
        }

        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("0::", StringComparison.Ordinal))
            {
                return line[3..].Trim();
            }
        }

        return null;
    }

    /// <summary>Parses a PSI file (/proc/pressure/memory, a cgroup's memory.pressure); false when it is not one.</summary>
    public static bool TryParsePressure(string text, out PsiLine some, out PsiLine full)
    {
        some = full = default;
        var found = 0;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2)
            {
                continue;
            }

            double avg10 = 0;
            long total = 0;
            foreach (var part in parts.Skip(1))
            {
                var eq = part.IndexOf('=', StringComparison.Ordinal);
                if (eq < 0)
                {
                    continue;
                }

                var (key, value) = (part[..eq], part[(eq + 1)..]);
                if (key == "avg10")
                {
                    double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out avg10);
                }
                else if (key == "total")
                {
                    long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out total);
                }
            }

            if (parts[0] == "some")
            {
                some = new PsiLine(avg10, total);
                found++;
            }
            else if (parts[0] == "full")
            {
                full = new PsiLine(avg10, total);
            }
        }

        return found > 0;
    }

    public static bool TryRead(string path, out string text)
    {
        try
        {
            text = File.ReadAllText(path);
            return true;
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        text = string.Empty;
        return false;
    }
}
