using System.Globalization;

namespace SystemScope.Sources.Processes;

/// <summary>Tells kernel threads (kthreadd's children) from user processes: they have no user stack and no mappings.</summary>
public static class KernelThreads
{
    /// <summary>task_struct flags bit PF_KTHREAD, as /proc/PID/stat's ninth field shows it.</summary>
    private const ulong PfKthread = 0x00200000;

    public static bool Is(int pid, string procRoot = "/proc")
    {
        try
        {
            var stat = File.ReadAllText(Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture), "stat"));

            // The name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Length > 6 && ulong.TryParse(fields[6], NumberStyles.None, CultureInfo.InvariantCulture, out var flags) && (flags & PfKthread) != 0;
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
}
