using System.Diagnostics;
using System.Globalization;

namespace SystemScope.Kernel.Tests.Infrastructure;

/// <summary>Symbol values and sizes of an ELF file, as <c>nm -S</c> reports them (no symboliser needed).</summary>
public static class ElfSymbols
{
    public static IReadOnlyDictionary<string, (ulong Value, ulong Size)> Read(string path)
    {
        var start = new ProcessStartInfo("nm") { RedirectStandardOutput = true, ArgumentList = { "-S", "--defined-only", path } };
        using var nm = Process.Start(start) ?? throw new InvalidOperationException("cannot start nm");
        var symbols = new Dictionary<string, (ulong, ulong)>(StringComparer.Ordinal);
        string? line;
        while ((line = nm.StandardOutput.ReadLine()) is not null)
        {
            // "0000000000001179 0000000000000090 T spend_75"
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 4)
            {
                symbols[fields[3]] = (ulong.Parse(fields[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture), ulong.Parse(fields[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            }
        }

        nm.WaitForExit();
        return symbols;
    }
}

/// <summary>Kernel symbols from /proc/kallsyms (root sees real addresses), to check that kernel stacks are real.</summary>
public sealed class KernelSymbols
{
    private readonly ulong[] _addresses;
    private readonly string[] _names;

    private KernelSymbols(ulong[] addresses, string[] names)
    {
        _addresses = addresses;
        _names = names;
    }

    public static KernelSymbols Load()
    {
        var entries = new List<(ulong, string)>();
        foreach (var line in File.ReadLines("/proc/kallsyms"))
        {
            var fields = line.Split(' ', 4, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 3 && fields[1] is "t" or "T" or "w" or "W")
            {
                entries.Add((ulong.Parse(fields[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture), fields[2]));
            }
        }

        entries.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        return new KernelSymbols([.. entries.Select(e => e.Item1)], [.. entries.Select(e => e.Item2)]);
    }

    /// <summary>The function an address lies in (the nearest symbol at or below it).</summary>
    public string? NameOf(ulong address)
    {
        var index = Array.BinarySearch(_addresses, address);
        if (index < 0)
        {
            index = ~index - 1;
        }

        return index >= 0 ? _names[index] : null;
    }
}
