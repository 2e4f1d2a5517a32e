using SystemScope.Symbols.Processes;

namespace SystemScope.Symbols.Jit;

/// <summary>Where a process writes its perf map, seen from outside its mount and pid namespaces.</summary>
internal static class PerfMaps
{
    public const string PathVariable = "DOTNET_PerfMapJitDumpPath";
    public const string TempVariable = "TMPDIR";

    /// <summary>
    /// <c>/proc/PID/root{dir}/perf-NSPID.map</c>, where NSPID is the pid inside the process's namespace
    /// and dir is the .NET perf map path setting, the process's TMPDIR, or /tmp.
    /// </summary>
    public static PerfMap Create(string procRoot, int pid, int maxEntries)
    {
        var nsPid = ProcessInfo.ReadNamespacePid(procRoot, pid);
        var environment = ProcessInfo.ReadEnvironment(procRoot, pid, PathVariable, TempVariable);
        var candidates = Directories(environment)
            .Select(d => $"{procRoot}/{pid}/root{d}/perf-{nsPid}.map")
            .ToList();
        return new PerfMap(candidates, maxEntries);
    }

    /// <summary>Temporary directories a process uses, most specific first, without trailing slashes.</summary>
    public static IEnumerable<string> Directories(Dictionary<string, string> environment)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in new[] { PathVariable, TempVariable })
        {
            if (environment.TryGetValue(name, out var value) && value.StartsWith('/'))
            {
                var directory = value.TrimEnd('/');
                if (seen.Add(directory))
                {
                    yield return directory;
                }
            }
        }

        if (seen.Add("/tmp"))
        {
            yield return "/tmp";
        }
    }
}
