using System.Text;
using SystemScope.Symbols.Support;

namespace SystemScope.Symbols.Processes;

/// <summary>Facts about a live process read from procfs: start time, pid in its own namespace, environment.</summary>
internal static class ProcessInfo
{
    /// <summary>Field 22 of <c>stat</c> (clock ticks since boot): with the pid, it tells a process from a later one with the same pid.</summary>
    public static long ReadStartTime(string procRoot, int pid)
    {
        var bytes = ProcFile.TryReadAll($"{procRoot}/{pid}/stat");
        if (bytes is null)
        {
            return 0;
        }

        // comm may contain spaces and parentheses: fields are counted after the last ')'.
        ReadOnlySpan<byte> rest = bytes;
        var close = rest.LastIndexOf((byte)')');
        if (close < 0)
        {
            return 0;
        }

        rest = rest[(close + 1)..];
        for (var field = 2; field < 22; field++)
        {
            rest = rest.TrimStart((byte)' ');
            var space = rest.IndexOf((byte)' ');
            if (space < 0)
            {
                return 0;
            }

            if (field == 21)
            {
                return long.TryParse(rest[..space], out var ticks) ? ticks : 0;
            }

            rest = rest[space..];
        }

        return 0;
    }

    /// <summary>The pid in the process's own (innermost) pid namespace: the last value of <c>NSpid</c>.</summary>
    public static int ReadNamespacePid(string procRoot, int pid)
    {
        var bytes = ProcFile.TryReadAll($"{procRoot}/{pid}/status");
        if (bytes is null)
        {
            return pid;
        }

        foreach (var line in Encoding.UTF8.GetString(bytes).Split('\n'))
        {
            if (line.StartsWith("NSpid:", StringComparison.Ordinal))
            {
                var values = line["NSpid:".Length..].Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
                return values.Length > 0 && int.TryParse(values[^1], out var nsPid) ? nsPid : pid;
            }
        }

        return pid;
    }

    /// <summary>The variables of the process's initial environment whose names are asked for.</summary>
    public static Dictionary<string, string> ReadEnvironment(string procRoot, int pid, params ReadOnlySpan<string> names)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var bytes = ProcFile.TryReadAll($"{procRoot}/{pid}/environ");
        if (bytes is null)
        {
            return result;
        }

        var keys = new byte[names.Length][];
        for (var i = 0; i < names.Length; i++)
        {
            keys[i] = Encoding.UTF8.GetBytes(names[i]);
        }

        ReadOnlySpan<byte> rest = bytes;
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf((byte)0);
            var entry = end < 0 ? rest : rest[..end];
            rest = end < 0 ? default : rest[(end + 1)..];
            var equals = entry.IndexOf((byte)'=');
            if (equals <= 0)
            {
                continue;
            }

            for (var i = 0; i < keys.Length; i++)
            {
                if (entry[..equals].SequenceEqual(keys[i]))
                {
                    result[names[i]] = Encoding.UTF8.GetString(entry[(equals + 1)..]);
                }
            }
        }

        return result;
    }

    public static bool Exists(string procRoot, int pid) => Directory.Exists($"{procRoot}/{pid}");
}
