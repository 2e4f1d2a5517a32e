using System.Globalization;
using SystemScope.Core.Sessions;
using SystemScope.Symbols.Jit;
using SystemScope.Symbols.Runtimes.Dotnet;
using ProcInfo = SystemScope.Symbols.Processes.ProcessInfo;

namespace SystemScope.Sources.Dotnet;

/// <summary>Where a process's diagnostic port is, or why it cannot be reached (said so that a person knows what to do).</summary>
internal readonly record struct DotnetTarget(int Pid, string? Socket, string? Problem, long StartTime);

/// <summary>
/// Finds .NET processes and their diagnostic sockets: a process runs .NET when it maps
/// <c>libcoreclr.so</c>; its socket is <c>dotnet-diagnostic-NSPID-STARTTIME-socket</c> in its temporary
/// directory, seen through <c>/proc/PID/root</c> (so containers work without entering them).
/// </summary>
internal static class DotnetTargets
{
    public static DotnetTarget Resolve(string procRoot, int pid)
    {
        var self = pid.ToString(CultureInfo.InvariantCulture);
        if (!Directory.Exists($"{procRoot}/{self}"))
        {
            return new DotnetTarget(pid, null, $"pid {pid} does not exist", 0);
        }

        if (!MapsCoreClr(procRoot, pid, out var readable))
        {
            return new DotnetTarget(pid, null, readable
                ? $"pid {pid} ({Comm(procRoot, pid)}) is not a .NET process: it has no libcoreclr.so mapped (NativeAOT and non-.NET programs have no EventPipe)"
                : $"pid {pid}: cannot read its mappings (permission denied or it exited)", 0);
        }

        var startTime = ProcInfo.ReadStartTime(procRoot, pid);
        var environment = ProcInfo.ReadEnvironment(procRoot, pid, "DOTNET_EnableDiagnostics", "COMPlus_EnableDiagnostics", "DOTNET_EnableDiagnostics_IPC", PerfMaps.PathVariable, PerfMaps.TempVariable);
        var nsPid = ProcInfo.ReadNamespacePid(procRoot, pid);
        var socket = DiagnosticSocket.Find(procRoot, pid, nsPid, startTime, PerfMaps.Directories(environment));
        if (socket is not null)
        {
            return new DotnetTarget(pid, socket, null, startTime);
        }

        var disabled = environment.Where(v => v.Key.Contains("EnableDiagnostics", StringComparison.Ordinal) && v.Value.Trim() == "0").Select(v => $"{v.Key}=0").FirstOrDefault();
        return new DotnetTarget(pid, null, disabled is not null
            ? $"pid {pid} ({Comm(procRoot, pid)}) runs .NET with its diagnostic port disabled ({disabled} in its environment): it cannot be observed without a restart"
            : $"pid {pid} ({Comm(procRoot, pid)}) runs .NET but has no diagnostic socket dotnet-diagnostic-{nsPid}-*-socket in its temporary directory (diagnostics disabled, or a private /tmp)", startTime);
    }

    /// <summary>Every process that maps libcoreclr.so and may match <paramref name="filter"/> by name (cgroups are checked by the caller's kernel filter elsewhere; here by /proc).</summary>
    public static IEnumerable<int> Find(string procRoot, ProcessFilter filter, int agentPid)
    {
        if (filter.Pids.Count > 0)
        {
            foreach (var pid in filter.Pids)
            {
                yield return pid;
            }

            yield break;
        }

        IEnumerable<string> entries;
        try
        {
            entries = Directory.EnumerateDirectories(procRoot).ToList();
        }
        catch (IOException)
        {
            yield break;
        }

        foreach (var entry in entries)
        {
            if (!int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == agentPid)
            {
                continue;
            }

            if (filter.Comm is { } prefix && !Comm(procRoot, pid).StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            if (filter.Cgroup is { } cgroup && !InCgroup(procRoot, pid, cgroup))
            {
                continue;
            }

            if (MapsCoreClr(procRoot, pid, out _))
            {
                yield return pid;
            }
        }
    }

    public static string Comm(string procRoot, int pid)
    {
        try
        {
            return File.ReadAllText($"{procRoot}/{pid}/comm").TrimEnd('\n');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "?";
        }
    }

    private static bool InCgroup(string procRoot, int pid, string cgroup)
    {
        try
        {
            foreach (var line in File.ReadLines($"{procRoot}/{pid}/cgroup"))
            {
                if (line.StartsWith("0::", StringComparison.Ordinal))
                {
                    var path = line[3..];
                    return path == cgroup || path.StartsWith(cgroup.TrimEnd('/') + "/", StringComparison.Ordinal);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        return false;
    }

    private static bool MapsCoreClr(string procRoot, int pid, out bool readable)
    {
        readable = false;
        try
        {
            foreach (var line in File.ReadLines($"{procRoot}/{pid}/maps"))
            {
                readable = true;
                if (line.EndsWith("/libcoreclr.so", StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }

        return false;
    }
}
