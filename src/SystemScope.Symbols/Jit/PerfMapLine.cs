using System.Globalization;
using System.Text;

namespace SystemScope.Symbols.Jit;

/// <summary>
/// One line of a perf map: <c>START SIZE name</c>, both numbers hex (with or without <c>0x</c>).
/// .NET names (<c>int64 [Asm] Ns.Type::Method(int32)[Tier]</c>) are reduced to
/// <c>Ns.Type::Method(int32)</c> with the assembly as module, so that tiers of one method merge.
/// </summary>
internal static class PerfMapLine
{
    public static bool TryParse(ReadOnlySpan<byte> line, out ulong start, out ulong size, out string name, out string? module)
    {
        start = size = 0;
        name = string.Empty;
        module = null;
        line = line.TrimEnd((byte)'\r').TrimStart((byte)' ');
        var first = line.IndexOf((byte)' ');
        if (first <= 0 || !TryHex(line[..first], out start))
        {
            return false;
        }

        line = line[(first + 1)..].TrimStart((byte)' ');
        var second = line.IndexOf((byte)' ');
        if (second <= 0 || !TryHex(line[..second], out size))
        {
            return false;
        }

        var text = line[(second + 1)..].Trim((byte)' ');
        if (text.IsEmpty || start + size < start)
        {
            return false;
        }

        (name, module) = Normalize(Encoding.UTF8.GetString(text));
        return true;
    }

    /// <summary>Splits a .NET method name into method and assembly; other names are kept as they are.</summary>
    public static (string Name, string? Module) Normalize(string text)
    {
        var separator = text.IndexOf("::", StringComparison.Ordinal);
        if (separator < 0)
        {
            return (text, null);
        }

        var close = text.LastIndexOf("] ", separator, StringComparison.Ordinal);
        var open = close < 0 ? -1 : text.LastIndexOf('[', close);
        if (open < 0 || (open > 0 && text[open - 1] != ' ') || close - open <= 1)
        {
            return (text, null);
        }

        var assembly = text[(open + 1)..close];
        if (assembly.Contains(' ', StringComparison.Ordinal))
        {
            return (text, null);
        }

        var method = text[(close + 2)..];

        // The optimisation tier ("[OptimizedTier1]") follows the parameter list.
        if (method.EndsWith(']') && method.LastIndexOf(")[", StringComparison.Ordinal) is var tier and > 0)
        {
            method = method[..(tier + 1)];
        }

        return (method, assembly);
    }

    private static bool TryHex(ReadOnlySpan<byte> text, out ulong value)
    {
        if (text.Length > 2 && text[0] == (byte)'0' && (text[1] | 0x20) == (byte)'x')
        {
            text = text[2..];
        }

        return ulong.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }
}
