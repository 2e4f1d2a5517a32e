using System.Text;
using SystemScope.Core.Errors;

namespace SystemScope.Core.Sessions;

/// <summary>
/// Which processes a session observes, shared by all its sources and applied in the kernel: some
/// processes by pid, the processes of a cgroup (and its descendants), processes whose name starts
/// with a prefix, or any combination (a process must match every part given). Empty: every
/// process. A filter that matches nothing is allowed: the models stay empty.
/// </summary>
public sealed record ProcessFilter
{
    /// <summary>The kernel's filter map holds this many pids.</summary>
    public const int MaxPids = 1024;

    /// <summary>A task name (comm) holds 15 bytes.</summary>
    public const int MaxCommBytes = 15;

    public static ProcessFilter All { get; } = new();

    /// <summary>Process ids (thread groups); empty: any.</summary>
    public IReadOnlyList<int> Pids { get; init; } = [];

    /// <summary>A cgroup v2 path relative to the cgroup root (<c>/system.slice/nginx.service</c>); null: any.</summary>
    public string? Cgroup { get; init; }

    /// <summary>The cgroup's id (the inode of its directory) and depth below the root, resolved when the filter is set.</summary>
    public CgroupRef? CgroupRef { get; init; }

    /// <summary>Prefix of the process name (the group leader's comm); null: any.</summary>
    public string? Comm { get; init; }

    public bool IsAll => Pids.Count == 0 && Cgroup is null && Comm is null;

    /// <summary>The single process this filter names, when it names exactly one pid and nothing else.</summary>
    public int? SinglePid => Pids.Count == 1 && Cgroup is null && Comm is null ? Pids[0] : null;

    /// <summary>
    /// Whether an event of process <paramref name="pid"/> may belong to this filter, from its pid alone:
    /// exact for pid lists, always true otherwise (name and cgroup are checked in the kernel). Analyses
    /// use it to drop what a window collected before the filter changed.
    /// </summary>
    public bool MayMatch(int pid) => Pids.Count == 0 || Pids.Contains(pid);

    public static ProcessFilter ForPid(int pid) => new() { Pids = [pid] };

    public static ProcessFilter ForPids(params IReadOnlyList<int> pids) => new() { Pids = pids };

    /// <summary>Throws <see cref="InvalidRequestException"/> naming what is wrong.</summary>
    public void Validate()
    {
        foreach (var pid in Pids)
        {
            if (pid <= 0)
            {
                throw new InvalidRequestException($"pid {pid} is not a process id: give positive pids, or none for every process");
            }
        }

        if (Pids.Count > MaxPids)
        {
            throw new InvalidRequestException($"{Pids.Count} pids are too many for one filter: give at most {MaxPids}, or filter by cgroup or name");
        }

        if (Pids.Distinct().Count() != Pids.Count)
        {
            throw new InvalidRequestException("a pid is given twice in the filter");
        }

        if (Comm is not null && (Comm.Length == 0 || Encoding.UTF8.GetByteCount(Comm) > MaxCommBytes))
        {
            throw new InvalidRequestException($"comm prefix '{Comm}' must be 1 to {MaxCommBytes} bytes (the kernel keeps {MaxCommBytes} bytes of a process name)");
        }

        if (Cgroup is not null && (Cgroup.Length == 0 || !Cgroup.StartsWith('/') || Cgroup.Contains("..", StringComparison.Ordinal)))
        {
            throw new InvalidRequestException($"cgroup '{Cgroup}' must be a path below the cgroup root, starting with '/', such as /system.slice/ssh.service");
        }
    }

    public override string ToString()
    {
        if (IsAll)
        {
            return "all processes";
        }

        var parts = new List<string>();
        if (Pids.Count > 0)
        {
            parts.Add(Pids.Count == 1 ? $"pid {Pids[0]}" : $"pids {string.Join(',', Pids)}");
        }

        if (Cgroup is not null)
        {
            parts.Add($"cgroup {Cgroup}");
        }

        if (Comm is not null)
        {
            parts.Add($"names starting with '{Comm}'");
        }

        return string.Join(", ", parts);
    }
}

/// <summary>A resolved cgroup v2: its id (the kernfs node id the kernel reports) and its level (the root is 0).</summary>
public readonly record struct CgroupRef(ulong Id, int Level);
