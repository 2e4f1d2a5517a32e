using System.Globalization;
using System.Net;

namespace SystemScope.Sources.Tcp;

/// <summary>Addresses and sizes as people read them; addresses are formatted once and kept (bounded).</summary>
internal sealed class TcpFormat
{
    private const int MaxAddresses = 4096;
    private const ushort AfInet = 2;

    private readonly Dictionary<(ushort Family, UInt128 Bytes), string> _addresses = [];

    /// <summary><c>10.0.0.2</c>, <c>::1</c>, <c>::ffff:127.0.0.1</c>.</summary>
    public string Address(ushort family, in Address16 address)
    {
        ReadOnlySpan<byte> bytes = address;
        var key = (family, BitConverter.ToUInt128(bytes));
        if (_addresses.TryGetValue(key, out var text))
        {
            return text;
        }

        if (_addresses.Count >= MaxAddresses)
        {
            _addresses.Clear();
        }

        text = new IPAddress(family == AfInet ? bytes[..4] : bytes).ToString();
        _addresses[key] = text;
        return text;
    }

    /// <summary><c>1 MiB</c>, <c>64 KiB</c>, <c>1.5 GiB</c>, <c>300 B</c>.</summary>
    public static string Bytes(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes} B")
            : string.Create(CultureInfo.InvariantCulture, $"{Math.Round(value, 1):0.#} {units[unit]}");
    }
}

/// <summary>
/// The TcpExt counters of /proc/net/netstat (the agent's network namespace) that say how often listen
/// queues overflowed or dropped SYNs; read once per window, diffed by the caller.
/// </summary>
internal static class NetStat
{
    public readonly record struct ListenCounters(long Overflows, long Drops, long SynCookiesSent);

    public static ListenCounters Read(string path = "/proc/net/netstat")
    {
        try
        {
            return Parse(File.ReadAllLines(path));
        }
        catch (IOException)
        {
            return default;
        }
        catch (UnauthorizedAccessException)
        {
            return default;
        }
    }

    /// <summary>The TcpExt header line names the columns of the values line after it.</summary>
    public static ListenCounters Parse(IReadOnlyList<string> lines)
    {
        for (var i = 0; i + 1 < lines.Count; i++)
        {
            if (!lines[i].StartsWith("TcpExt:", StringComparison.Ordinal) || !lines[i + 1].StartsWith("TcpExt:", StringComparison.Ordinal))
            {
                continue;
            }

            var names = lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var values = lines[i + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            long Value(string name)
            {
                var index = Array.IndexOf(names, name);
                return index > 0 && index < values.Length && long.TryParse(values[index], NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0;
            }

            return new ListenCounters(Value("ListenOverflows"), Value("ListenDrops"), Value("SyncookiesSent"));
        }

        return default;
    }
}
