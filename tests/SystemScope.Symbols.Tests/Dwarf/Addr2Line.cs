using System.Globalization;
using SystemScope.Symbols.Tests.Support;

namespace SystemScope.Symbols.Tests.Dwarf;

/// <summary>binutils' answer, the reference: the function names of <c>addr2line -a -i -f -C</c> per address, innermost first.</summary>
internal static class Addr2Line
{
    public static Dictionary<ulong, List<string>> Chains(string binary, IReadOnlyList<ulong> addresses)
    {
        var output = Tool.Run("addr2line", ["-a", "-i", "-f", "-C", "-e", binary, .. addresses.Select(a => $"0x{a:x}")]);
        var chains = new Dictionary<ulong, List<string>>();
        List<string>? current = null;
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].StartsWith("0x", StringComparison.Ordinal))
            {
                current = [];
                chains[ulong.Parse(lines[i].AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)] = current;
                continue;
            }

            // A function name, then its file:line.
            current!.Add(lines[i]);
            i++;
        }

        return chains;
    }

    /// <summary>Start and size of a function from <c>nm -S</c>.</summary>
    public static (ulong Start, ulong Size) Function(string binary, string name)
    {
        foreach (var line in Tool.Run("nm", "-S", binary).Split('\n'))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 4 && parts[3] == name)
            {
                return (ulong.Parse(parts[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture), ulong.Parse(parts[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            }
        }

        throw new InvalidOperationException($"{name} is not in nm -S {binary}");
    }
}
