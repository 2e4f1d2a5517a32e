using System.Globalization;

namespace SystemScope.Symbols.Runtimes.Dotnet;

/// <summary>
/// Finds the diagnostic IPC socket of a .NET process: <c>dotnet-diagnostic-{NSPID}-{KEY}-socket</c> in
/// its temporary directory, seen through <c>/proc/PID/root</c> so that it works across mount namespaces.
/// KEY is the process start time; stale sockets of earlier processes with the same pid are skipped.
/// </summary>
internal static class DiagnosticSocket
{
    public static string? Find(string procRoot, int pid, int nsPid, long startTime, IEnumerable<string> tempDirectories)
    {
        var prefix = $"dotnet-diagnostic-{nsPid.ToString(CultureInfo.InvariantCulture)}-";
        var exact = $"{prefix}{startTime.ToString(CultureInfo.InvariantCulture)}-socket";
        string? newest = null;
        var newestTime = DateTime.MinValue;
        foreach (var directory in tempDirectories)
        {
            foreach (var candidate in Enumerate($"{procRoot}/{pid}/root{directory}", prefix))
            {
                if (candidate.EndsWith("/" + exact, StringComparison.Ordinal))
                {
                    return candidate;
                }

                var written = File.GetLastWriteTimeUtc(candidate);
                if (written > newestTime)
                {
                    (newest, newestTime) = (candidate, written);
                }
            }
        }

        return newest;
    }

    private static IEnumerable<string> Enumerate(string directory, string prefix)
    {
        try
        {
            return Directory.EnumerateFileSystemEntries(directory, prefix + "*")
                .Where(p => p.EndsWith("-socket", StringComparison.Ordinal))
                .ToList();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
