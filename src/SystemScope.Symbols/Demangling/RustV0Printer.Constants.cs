using System.Globalization;
using System.Text;

namespace SystemScope.Symbols.Demangling;

/// <summary>
/// Constants (const generics and array lengths). Integers, bool and char print as binutils prints
/// them; string, reference, array, tuple and struct constants as rustfilt does, in braces when they
/// are a generic argument.
/// </summary>
internal ref partial struct RustV0Printer
{
    private void PrintConst(bool inValue)
    {
        if (!Enter())
        {
            return;
        }

        var start = _next;
        var tag = Next();
        var braced = false;
        switch (tag)
        {
            case 'p':
                Print("_");
                break;

            case 'h' or 't' or 'm' or 'y' or 'o' or 'j':
                PrintConstUnsigned();
                break;

            case 'a' or 's' or 'l' or 'x' or 'n' or 'i':
                if (Eat('n'))
                {
                    Print("-");
                }

                PrintConstUnsigned();
                break;

            case 'b':
                PrintConstBool();
                break;

            case 'c':
                PrintConstChar();
                break;

            case 'e':
                braced = OpenBrace(inValue);
                Print("*");
                PrintConstString();
                break;

            case 'R' or 'Q':
                if (tag == 'R' && Eat('e'))
                {
                    PrintConstString();
                    break;
                }

                braced = OpenBrace(inValue);
                Print(tag == 'Q' ? "&mut " : "&");
                PrintConst(inValue: true);
                break;

            case 'A':
                braced = OpenBrace(inValue);
                Print("[");
                PrintList(static (ref RustV0Printer p) => p.PrintConst(inValue: true), ", ");
                Print("]");
                break;

            case 'T':
                braced = OpenBrace(inValue);
                Print("(");
                if (PrintList(static (ref RustV0Printer p) => p.PrintConst(inValue: true), ", ") == 1)
                {
                    Print(",");
                }

                Print(")");
                break;

            case 'V':
                braced = OpenBrace(inValue);
                PrintConstStruct();
                break;

            case 'B':
                FollowBackref(start, static (ref RustV0Printer p, bool inValue) => p.PrintConst(inValue), inValue);
                break;

            default:
                _failed = true;
                break;
        }

        if (braced)
        {
            Print("}");
        }

        _depth--;
    }

    // Outside an expression, only literals may stand as a generic argument: anything else needs braces.
    private bool OpenBrace(bool inValue)
    {
        if (!inValue)
        {
            Print("{");
        }

        return !inValue;
    }

    private void PrintConstStruct()
    {
        PrintPath(inValue: true);
        switch (Next())
        {
            case 'U':
                break;

            case 'T':
                Print("(");
                PrintList(static (ref RustV0Printer p) => p.PrintConst(inValue: true), ", ");
                Print(")");
                break;

            case 'S':
                Print(" { ");
                PrintList(static (ref RustV0Printer p) => p.PrintConstField(), ", ");
                Print(" }");
                break;

            default:
                _failed = true;
                break;
        }
    }

    private void PrintConstField()
    {
        ParseDisambiguator();
        PrintIdent(ParseIdent());
        Print(": ");
        PrintConst(inValue: true);
    }

    private void PrintConstUnsigned()
    {
        var digits = ParseHexNibbles();
        if (_failed || digits.IsEmpty)
        {
            _failed = true;
            return;
        }

        // What does not fit 64 bits is shown in hex, as written.
        Print(digits.Length > 16
            ? "0x" + digits.ToString()
            : ulong.Parse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture));
    }

    private void PrintConstBool()
    {
        var digits = ParseHexNibbles();
        if (_failed || digits.Length != 1 || digits[0] is not ('0' or '1'))
        {
            _failed = true;
            return;
        }

        Print(digits[0] == '1' ? "true" : "false");
    }

    private void PrintConstChar()
    {
        var digits = ParseHexNibbles();
        if (_failed || digits.IsEmpty || digits.Length > 8)
        {
            _failed = true;
            return;
        }

        var value = uint.Parse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        Print(value switch
        {
            '\t' => @"'\t'",
            '\r' => @"'\r'",
            '\n' => @"'\n'",
            > ' ' and < '~' => $"'{(char)value}'",
            _ => $"'\\u{{{value:x}}}'",
        });
    }

    // The bytes of a UTF-8 string, two hex digits each, quoted and escaped.
    private void PrintConstString()
    {
        var digits = ParseHexNibbles();
        if (_failed || digits.Length % 2 != 0)
        {
            _failed = true;
            return;
        }

        var bytes = new byte[digits.Length / 2];
        for (var i = 0; i < bytes.Length; i++)
        {
            bytes[i] = (byte)((RustLegacyDemangler.HexNibble(digits[2 * i]) << 4) | RustLegacyDemangler.HexNibble(digits[(2 * i) + 1]));
        }

        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            _failed = true;
            return;
        }

        var quoted = new StringBuilder(text.Length + 2).Append('"');
        foreach (var c in text)
        {
            _ = c switch
            {
                '"' => quoted.Append("\\\""),
                '\\' => quoted.Append(@"\\"),
                '\t' => quoted.Append(@"\t"),
                '\r' => quoted.Append(@"\r"),
                '\n' => quoted.Append(@"\n"),
                < ' ' or '\x7f' => quoted.Append(CultureInfo.InvariantCulture, $"\\u{{{(int)c:x}}}"),
                _ => quoted.Append(c),
            };
        }

        Print(quoted.Append('"').ToString());
    }

    /// <summary>Lower-case hex digits up to the closing <c>_</c>.</summary>
    private ReadOnlySpan<char> ParseHexNibbles()
    {
        var start = _next;
        while (!_failed && !Eat('_'))
        {
            if (RustLegacyDemangler.HexNibble(Next()) < 0)
            {
                _failed = true;
            }
        }

        return _failed ? default : _symbol[start..(_next - 1)];
    }
}
