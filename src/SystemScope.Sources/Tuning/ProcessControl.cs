using System.Globalization;
using System.Runtime.InteropServices;

namespace SystemScope.Sources.Tuning;

/// <summary>
/// A process's scheduling settings as /proc shows them (the main thread's) and the system calls that
/// change them for every thread. Threads created later inherit from their creator.
/// </summary>
public static partial class ProcessControl
{
    public const int SchedOther = 0;
    public const int SchedBatch = 3;
    public const int SchedIdle = 5;

    /// <summary>The fields of /proc/PID/stat after the command name (which may hold spaces and parentheses): index 0 is field 3, the state.</summary>
    public static string[] StatFields(string procRoot, int pid)
    {
        var text = ReadOrExited(Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture), "stat"), pid);
        return text[(text.LastIndexOf(')') + 2)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }

    public static int Nice(string procRoot, int pid) => int.Parse(StatFields(procRoot, pid)[16], CultureInfo.InvariantCulture);

    public static int Policy(string procRoot, int pid) => int.Parse(StatFields(procRoot, pid)[38], CultureInfo.InvariantCulture);

    public static string Affinity(string procRoot, int pid)
    {
        foreach (var line in ReadOrExited(Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture), "status"), pid).Split('\n'))
        {
            if (line.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal))
            {
                return line["Cpus_allowed_list:".Length..].Trim();
            }
        }

        throw new IOException($"/proc/{pid}/status has no Cpus_allowed_list");
    }

    public static IReadOnlyList<int> Threads(string procRoot, int pid)
    {
        try
        {
            return [.. Directory.EnumerateDirectories(Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture), "task"))
                .Select(d => int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var tid) ? tid : 0)
                .Where(tid => tid > 0)];
        }
        catch (DirectoryNotFoundException)
        {
            throw Exited(pid);
        }
    }

    public static void SetNice(string procRoot, int pid, int nice) =>
        EveryThread(procRoot, pid, tid => SetPriority(0, tid, nice), "setpriority");

    public static unsafe void SetPolicy(string procRoot, int pid, int policy)
    {
        EveryThread(procRoot, pid, tid =>
        {
            var priority = 0;
            return SetScheduler(tid, policy, &priority);
        }, "sched_setscheduler");
    }

    public static unsafe void SetAffinity(string procRoot, int pid, IEnumerable<int> cpus)
    {
        var mask = new ulong[CpuList.MaxCpus / 64];
        foreach (var cpu in cpus)
        {
            mask[cpu / 64] |= 1UL << (cpu % 64);
        }

        EveryThread(procRoot, pid, tid =>
        {
            fixed (ulong* bits = mask)
            {
                return SetAffinity(tid, (nuint)(mask.Length * 8), bits);
            }
        }, "sched_setaffinity");
    }

    public static IOException Exited(int pid) => new($"process {pid} has exited");

    private static void EveryThread(string procRoot, int pid, Func<int, int> call, string name)
    {
        var changed = 0;
        foreach (var tid in Threads(procRoot, pid))
        {
            if (call(tid) == 0)
            {
                changed++;
                continue;
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno != 3)
            {
                throw new IOException($"{name} on thread {tid} of process {pid} failed: {Marshal.GetPInvokeErrorMessage(errno)}");
            }

            // ESRCH: that thread ended meanwhile; the others still count.
        }

        if (changed == 0)
        {
            throw Exited(pid);
        }
    }

    private static string ReadOrExited(string path, int pid)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException or IOException { HResult: 3 })
        {
            throw Exited(pid);
        }
    }

    [LibraryImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static partial int SetPriority(int which, int who, int priority);

    [LibraryImport("libc", EntryPoint = "sched_setscheduler", SetLastError = true)]
    private static unsafe partial int SetScheduler(int pid, int policy, int* parameters);

    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static unsafe partial int SetAffinity(int pid, nuint size, ulong* mask);
}
