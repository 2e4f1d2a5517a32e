using System.Globalization;
using SystemScope.Core.Sessions;
using SystemScope.Sources.Gpu.Catalogue;

namespace SystemScope.Sources.Gpu;

/// <summary>One accelerator library file a process maps: the file by device and inode (what uprobes key on), where it was found.</summary>
/// <param name="Path">The path in the mappings, without " (deleted)".</param>
/// <param name="OpenPath">A path that opens this very file while the process lives, even when it was replaced or deleted on disk: <c>/proc/PID/map_files/START-END</c>.</param>
internal sealed record MappedLibrary(int Pid, string Device, ulong Inode, string Path, string OpenPath, bool Deleted, GpuVendor Vendor)
{
    public (string Device, ulong Inode) File => (Device, Inode);
}

/// <summary>
/// Finds the accelerator libraries the processes of a session's filter map, from <c>/proc/PID/maps</c>
/// (every process when the filter names none). Cheap enough to repeat every second: one read per
/// process, and only lines naming a file are looked at.
/// </summary>
internal sealed class LibraryScanner(GpuCatalogue catalogue, int agentPid)
{
    private const string Deleted = " (deleted)";

    /// <summary>The libraries every wanted process maps now, and the wanted pids that map none.</summary>
    public (List<MappedLibrary> Libraries, List<int> WithoutLibraries) Scan(ProcessFilter filter)
    {
        var libraries = new List<MappedLibrary>();
        var without = new List<int>();
        foreach (var pid in Pids(filter))
        {
            var before = libraries.Count;
            ScanProcess(pid, libraries);
            if (libraries.Count == before && filter.Pids.Contains(pid))
            {
                without.Add(pid);
            }
        }

        return (libraries, without);
    }

    private IEnumerable<int> Pids(ProcessFilter filter)
    {
        if (filter.Pids.Count > 0)
        {
            return filter.Pids;
        }

        var pids = new List<int>();
        try
        {
            foreach (var entry in Directory.EnumerateDirectories("/proc"))
            {
                if (int.TryParse(System.IO.Path.GetFileName(entry.AsSpan()), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && pid != agentPid)
                {
                    pids.Add(pid);
                }
            }
        }
        catch (IOException)
        {
            // /proc changed under the walk: the next scan sees it
        }

        return pids;
    }

    private void ScanProcess(int pid, List<MappedLibrary> into)
    {
        string text;
        try
        {
            text = System.IO.File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/maps");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return; // gone, or a kernel thread: nothing mapped
        }

        var seen = new HashSet<(string, ulong)>();
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            if (Parse(pid, line) is { } library && seen.Add(library.File))
            {
                into.Add(library);
            }
        }
    }

    /// <summary>A maps line naming an accelerator library: <c>7f..-7f.. r-xp 00001000 fd:01 1234 /usr/lib/libcuda.so.1</c>.</summary>
    private MappedLibrary? Parse(int pid, ReadOnlySpan<char> line)
    {
        var slash = line.IndexOf('/');
        if (slash < 0)
        {
            return null;
        }

        var path = line[slash..].ToString();
        var deleted = path.EndsWith(Deleted, StringComparison.Ordinal);
        if (deleted)
        {
            path = path[..^Deleted.Length];
        }

        if (catalogue.VendorOf(System.IO.Path.GetFileName(path)) is not { } vendor)
        {
            return null;
        }

        Span<Range> fields = stackalloc Range[6];
        var head = line[..slash];
        if (head.Split(fields, ' ', StringSplitOptions.RemoveEmptyEntries) < 5 ||
            !ulong.TryParse(head[fields[4]], NumberStyles.None, CultureInfo.InvariantCulture, out var inode))
        {
            return null;
        }

        // maps pads addresses to 8 digits, map_files names them unpadded.
        var addresses = head[fields[0]];
        var dash = addresses.IndexOf('-');
        if (dash < 0 || !ulong.TryParse(addresses[..dash], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var start) ||
            !ulong.TryParse(addresses[(dash + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var end))
        {
            return null;
        }

        var range = string.Create(CultureInfo.InvariantCulture, $"{start:x}-{end:x}");
        return new MappedLibrary(pid, head[fields[3]].ToString(), inode, path, $"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/map_files/{range}", deleted, vendor);
    }
}
