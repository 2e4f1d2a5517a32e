using System.Text;

namespace SystemScope.Symbols.Demangling;

/// <summary>
/// Rust's legacy mangling: an Itanium-style nested name (<c>_ZN 3std 2rt 10lang_start 17h0123…E</c>)
/// whose last element is a hash and whose identifiers escape punctuation (<c>$LT$</c> is <c>&lt;</c>,
/// <c>..</c> is <c>::</c>). Printed as binutils prints it: elements joined by <c>::</c>, hash and any
/// <c>.llvm.…</c> suffix left out.
/// </summary>
internal static class RustLegacyDemangler
{
    private const int HashElementLength = 19; // "17h" and 16 hex digits

    public static bool TryDemangle(string mangled, out string demangled)
    {
        demangled = mangled;
        if (!mangled.StartsWith("_ZN", StringComparison.Ordinal))
        {
            return false;
        }

        var symbol = mangled.AsSpan(3);
        foreach (var c in symbol)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '$' or '.' or ':' or '@'))
            {
                return false;
            }
        }

        // A suffix such as ".llvm.1234" may follow the closing E: drop it, back to an E before a dot.
        var length = symbol.Length;
        var afterDot = true;
        while (length > 0 && !(afterDot && symbol[length - 1] == 'E'))
        {
            afterDot = symbol[length - 1] == '.';
            length--;
        }

        if (length == 0)
        {
            return false;
        }

        symbol = symbol[..(length - 1)];

        // The hash element is what tells a Rust symbol from a C++ nested name: check it before parsing.
        if (symbol.Length <= HashElementLength || !symbol[^HashElementLength..].StartsWith("17h", StringComparison.Ordinal))
        {
            return false;
        }

        var position = 0;
        ReadOnlySpan<char> last = default;
        while (position < symbol.Length)
        {
            if (!TryReadElement(symbol, ref position, out last) || last.IsEmpty)
            {
                return false;
            }
        }

        if (!IsHash(last))
        {
            return false;
        }

        var shown = symbol[..^HashElementLength];
        var output = new StringBuilder(shown.Length);
        position = 0;
        while (position < shown.Length)
        {
            if (position > 0)
            {
                output.Append("::");
            }

            if (!TryReadElement(shown, ref position, out var element))
            {
                return false;
            }

            AppendUnescaped(output, element);
        }

        demangled = output.ToString();
        return true;
    }

    private static bool TryReadElement(ReadOnlySpan<char> symbol, scoped ref int position, out ReadOnlySpan<char> element)
    {
        element = default;
        if (position >= symbol.Length || !char.IsAsciiDigit(symbol[position]))
        {
            return false;
        }

        long length = symbol[position++] - '0';
        if (length != 0)
        {
            while (position < symbol.Length && char.IsAsciiDigit(symbol[position]))
            {
                length = (length * 10) + (symbol[position++] - '0');
                if (length > symbol.Length)
                {
                    return false;
                }
            }
        }

        if (length > symbol.Length - position)
        {
            return false;
        }

        element = symbol.Slice(position, (int)length);
        position += (int)length;
        return true;
    }

    // "h" and 16 lower-case hex digits, at least 5 of them distinct (a real hash, not a word).
    private static bool IsHash(ReadOnlySpan<char> element)
    {
        if (element.Length != 17 || element[0] != 'h')
        {
            return false;
        }

        var seen = 0;
        foreach (var c in element[1..])
        {
            var nibble = HexNibble(c);
            if (nibble < 0)
            {
                return false;
            }

            seen |= 1 << nibble;
        }

        return int.PopCount(seen) >= 5;
    }

    private static void AppendUnescaped(StringBuilder output, ReadOnlySpan<char> element)
    {
        // The mangler puts '_' before an escape at the start so that the identifier starts like one.
        if (element.Length >= 2 && element[0] == '_' && element[1] == '$')
        {
            element = element[1..];
        }

        while (!element.IsEmpty)
        {
            int used;
            if (element[0] == '$')
            {
                var unescaped = DecodeEscape(element, out used);
                if (unescaped == 0)
                {
                    output.Append(element);
                    return;
                }

                output.Append(unescaped);
            }
            else if (element[0] == '.')
            {
                var pair = element.Length >= 2 && element[1] == '.';
                output.Append(pair ? "::" : ".");
                used = pair ? 2 : 1;
            }
            else
            {
                used = element.IndexOfAny('$', '.');
                used = used < 0 ? element.Length : used;
                output.Append(element[..used]);
            }

            element = element[used..];
        }
    }

    /// <summary>The character of a <c>$…$</c> escape at the start of <paramref name="text"/>, or 0 when it is not one.</summary>
    private static char DecodeEscape(ReadOnlySpan<char> text, out int used)
    {
        used = 0;
        var end = text.Length > 1 ? text[1..].IndexOf('$') : -1;
        if (end < 1)
        {
            return '\0';
        }

        var code = text.Slice(1, end);
        var c = code switch
        {
            "C" => ',',
            "SP" => '@',
            "BP" => '*',
            "RF" => '&',
            "LT" => '<',
            "GT" => '>',
            "LP" => '(',
            "RP" => ')',
            _ => DecodeHexEscape(code),
        };
        used = end + 2;
        return c;
    }

    // $u7e$ and the like: one printable ASCII character by its code.
    private static char DecodeHexEscape(ReadOnlySpan<char> code)
    {
        if (code.Length != 3 || code[0] != 'u')
        {
            return '\0';
        }

        var high = HexNibble(code[1]);
        var low = HexNibble(code[2]);
        if (high is < 0 or > 7 || low < 0)
        {
            return '\0';
        }

        var value = (high << 4) | low;
        return value < 0x20 ? '\0' : (char)value;
    }

    internal static int HexNibble(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        _ => -1,
    };
}
