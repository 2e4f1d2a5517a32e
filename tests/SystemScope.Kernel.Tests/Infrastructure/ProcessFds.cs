using System.Globalization;

namespace SystemScope.Kernel.Tests.Infrastructure;

/// <summary>What this process's fds refer to, beyond counting them.</summary>
public static class ProcessFds
{
    /// <summary>Kernel ids of the BPF programs this process holds (from /proc/self/fdinfo): they change on reload.</summary>
    public static IReadOnlySet<uint> BpfProgramIds()
    {
        var ids = new HashSet<uint>();
        foreach (var fd in Directory.GetFileSystemEntries("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget != "anon_inode:bpf-prog")
                {
                    continue;
                }

                foreach (var line in File.ReadLines($"/proc/self/fdinfo/{Path.GetFileName(fd)}"))
                {
                    if (line.StartsWith("prog_id:", StringComparison.Ordinal))
                    {
                        ids.Add(uint.Parse(line["prog_id:".Length..].Trim(), CultureInfo.InvariantCulture));
                    }
                }
            }
            catch (IOException)
            {
                // closed while we looked
            }
        }

        return ids;
    }
}
