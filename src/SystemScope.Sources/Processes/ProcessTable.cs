using System.Globalization;
using System.Text;
using SystemScope.Core.Events;
using SystemScope.Core.Processes;
using SystemScope.Core.Sessions;

namespace SystemScope.Sources.Processes;

/// <summary>
/// Running processes from /proc, with CPU% measured between two readings. Nothing runs in the
/// background: a listing compares with the previous listing when it is recent, otherwise it takes
/// a short baseline first (so an idle agent costs nothing).
/// </summary>
public sealed class ProcessTable(string procRoot = "/proc") : IProcessCatalog, IProcessProbe
{
    private static readonly TimeSpan BaselineWindow = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan BaselineMaxAge = TimeSpan.FromSeconds(10);
    private static readonly long ClockTicksPerSecond = 100; // USER_HZ, fixed at 100 on Linux ABIs
    private static readonly long PageSize = Environment.SystemPageSize;

    private readonly Lock _gate = new();
    private Dictionary<int, long>? _previousCpuTicks;
    private long _previousAtNs;

    public bool Exists(int pid) => pid > 0 && Directory.Exists(Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture)));

    /// <summary>The cgroup v2 at <paramref name="path"/>: the inode of its directory (the id BPF sees) and its depth below the root.</summary>
    public CgroupRef? ResolveCgroup(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return CgroupFs.Resolve(procRoot, path);
    }

    public IReadOnlyList<ProcessInfo> List()
    {
        lock (_gate)
        {
            if (_previousCpuTicks is null || MonotonicClock.NowNs() - _previousAtNs > (long)BaselineMaxAge.TotalNanoseconds)
            {
                var (baseline, baselineAtNs) = ReadTimed();
                (_previousCpuTicks, _previousAtNs) = (baseline.ToDictionary(p => p.Pid, p => p.CpuTicks), baselineAtNs);
                Thread.Sleep(BaselineWindow);
            }

            var (current, now) = ReadTimed();
            var elapsedTicks = (now - _previousAtNs) / 1e9 * ClockTicksPerSecond;
            var list = current
                .Select(p => new ProcessInfo(
                    p.Pid,
                    p.Name,
                    p.CommandLine,
                    Math.Round(_previousCpuTicks.TryGetValue(p.Pid, out var before) && elapsedTicks > 0 ? Math.Max(0, p.CpuTicks - before) * 100.0 / elapsedTicks : 0, 1),
                    p.Threads,
                    p.RssBytes,
                    p.KernelThread))
                .OrderByDescending(p => p.CpuPercent)
                .ThenBy(p => p.Pid)
                .ToList();
            (_previousCpuTicks, _previousAtNs) = (current.ToDictionary(p => p.Pid, p => p.CpuTicks), now);
            return list;
        }
    }

    /// <summary>
    /// A reading of every process with the time it stands for: the middle of the walk over /proc,
    /// which takes tens of milliseconds. Stamping it at one end instead shortened the interval
    /// between two readings by a walk, and a busy thread read above 100 %.
    /// </summary>
    private (List<Reading> Readings, long AtNs) ReadTimed()
    {
        var start = MonotonicClock.NowNs();
        var readings = Read();
        return (readings, start + ((MonotonicClock.NowNs() - start) / 2));
    }

    private List<Reading> Read()
    {
        var result = new List<Reading>();
        foreach (var dir in Directory.EnumerateDirectories(procRoot))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && TryRead(dir, pid, out var reading))
            {
                result.Add(reading);
            }
        }

        return result;
    }

    /// <summary>A process can exit between listing and reading: that is not an error.</summary>
    private static bool TryRead(string dir, int pid, out Reading reading)
    {
        reading = default;
        try
        {
            if (!TryParseStat(File.ReadAllText(Path.Combine(dir, "stat")), out var name, out var cpuTicks, out var threads, out var rssPages))
            {
                return false;
            }

            var commandLine = ReadCommandLine(Path.Combine(dir, "cmdline"), out var program);
            // Only kernel threads and zombies have no command line: the task flags tell them apart.
            var kernelThread = commandLine.Length == 0 && KernelThreads.Is(pid, Path.GetDirectoryName(dir)!);
            reading = new Reading(pid, FullName(name, program), commandLine.Length > 0 ? commandLine : $"[{name}]", cpuTicks, threads, rssPages * PageSize, kernelThread);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Parses /proc/PID/stat; the name sits in parentheses and may itself contain spaces and parentheses.</summary>
    internal static bool TryParseStat(string stat, out string name, out long cpuTicks, out int threads, out long rssPages)
    {
        (name, cpuTicks, threads, rssPages) = (string.Empty, 0, 0, 0);
        var open = stat.IndexOf('(', StringComparison.Ordinal);
        var close = stat.LastIndexOf(')');
        if (open < 0 || close < open)
        {
            return false;
        }

        name = stat[(open + 1)..close];
        // Fields after the name, numbered from 3 (state) as in proc(5).
        var fields = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        const int First = 3;
        if (fields.Length < 24 - First + 1
            || !long.TryParse(fields[14 - First], CultureInfo.InvariantCulture, out var utime)
            || !long.TryParse(fields[15 - First], CultureInfo.InvariantCulture, out var stime)
            || !int.TryParse(fields[20 - First], CultureInfo.InvariantCulture, out threads)
            || !long.TryParse(fields[24 - First], CultureInfo.InvariantCulture, out rssPages))
        {
            return false;
        }

        cpuTicks = utime + stime;
        return true;
    }

    /// <summary>
    /// The kernel keeps 15 characters of a name; when the program's file name continues it, show that.
    /// </summary>
    internal static string FullName(string comm, string program)
    {
        const int TaskCommLength = 15;
        var file = Path.GetFileName(program);
        return comm.Length == TaskCommLength && file.Length > comm.Length && file.StartsWith(comm, StringComparison.Ordinal) ? file : comm;
    }

    private static string ReadCommandLine(string path, out string program)
    {
        var bytes = File.ReadAllBytes(path);
        var length = bytes.Length;
        while (length > 0 && bytes[length - 1] == 0)
        {
            length--;
        }

        var text = Encoding.UTF8.GetString(bytes, 0, Math.Min(length, 4096));
        var end = text.IndexOf('\0', StringComparison.Ordinal);
        program = end < 0 ? text : text[..end];
        return text.Replace('\0', ' ');
    }

    private readonly record struct Reading(int Pid, string Name, string CommandLine, long CpuTicks, int Threads, long RssBytes, bool KernelThread);
}
