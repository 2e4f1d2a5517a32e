using SystemScope.Core.Symbols;

namespace SystemScope.Symbols.Tests.Support;

internal static class Frames
{
    /// <summary>The frames the symbolizer keeps for a stack, leaf first (a stack that runs into data is cut).</summary>
    public static Symbol[] User(Symbolizer symbolizer, int pid, params ulong[] addresses)
    {
        var frames = new Symbol[addresses.Length];
        var kept = symbolizer.ResolveUser(pid, addresses, frames);
        return frames[..kept];
    }

    public static Symbol[] Kernel(Symbolizer symbolizer, params ulong[] addresses)
    {
        var frames = new Symbol[addresses.Length];
        symbolizer.ResolveKernel(addresses, frames);
        return frames;
    }

    /// <summary>The first mapping of /proc/PID/maps whose path ends with <paramref name="path"/> and whose permissions start with <paramref name="permissions"/>.</summary>
    public static (ulong Start, ulong End) Mapping(int pid, string path, string permissions = "")
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/maps"))
        {
            var parts = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (line.EndsWith(path, StringComparison.Ordinal) && parts[1].StartsWith(permissions, StringComparison.Ordinal))
            {
                var range = parts[0].Split('-');
                return (Convert.ToUInt64(range[0], 16), Convert.ToUInt64(range[1], 16));
            }
        }

        throw new InvalidOperationException($"process {pid} maps no {path} with permissions {permissions}");
    }

    /// <summary>The executable mapping of the process that contains the address, from /proc/PID/maps: (start, path).</summary>
    public static (ulong Start, string Path)? MappingOf(int pid, ulong address)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/maps"))
        {
            var parts = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            var range = parts[0].Split('-');
            var start = Convert.ToUInt64(range[0], 16);
            var end = Convert.ToUInt64(range[1], 16);
            if (address >= start && address < end && parts[1][2] == 'x')
            {
                return (start, parts.Length > 5 ? parts[5].Trim() : string.Empty);
            }
        }

        return null;
    }
}
