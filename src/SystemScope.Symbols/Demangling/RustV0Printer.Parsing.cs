using System.Text;

namespace SystemScope.Symbols.Demangling;

/// <summary>The lexical part of the v0 grammar: base-62 numbers, identifiers (with Punycode), back-references, output.</summary>
internal ref partial struct RustV0Printer
{
    private const int MaxIdentifierCodePoints = 4096;

    private delegate void Step(ref RustV0Printer printer);

    private delegate void Resumed(ref RustV0Printer printer, bool inValue);

    private bool Enter()
    {
        if (_failed)
        {
            return false;
        }

        if (++_depth > MaxDepth)
        {
            _depth--;
            _failed = true;
            return false;
        }

        return true;
    }

    private char Next()
    {
        if (_next >= _symbol.Length)
        {
            _failed = true;
            return '\0';
        }

        return _symbol[_next++];
    }

    private bool Eat(char c)
    {
        if (_next < _symbol.Length && _symbol[_next] == c)
        {
            _next++;
            return true;
        }

        return false;
    }

    private void Print(scoped ReadOnlySpan<char> text)
    {
        if (_failed || _skipping)
        {
            return;
        }

        _output.Append(text);
        _failed = _output.Length > MaxOutput;
    }

    private void Print(char c) => Print(new ReadOnlySpan<char>(in c));

    private void Print(ulong value)
    {
        Span<char> digits = stackalloc char[20];
        value.TryFormat(digits, out var written, default, System.Globalization.CultureInfo.InvariantCulture);
        Print(digits[..written]);
    }

    /// <summary>Items until the closing <c>E</c>, with <paramref name="separator"/> between them; returns how many.</summary>
    private int PrintList(Step item, string separator)
    {
        var count = 0;
        while (!_failed && !Eat('E'))
        {
            if (count > 0)
            {
                Print(separator);
            }

            item(ref this);
            count++;
        }

        return count;
    }

    /// <summary><c>_</c> is 0; otherwise base-62 digits (0-9a-zA-Z) then <c>_</c>, plus one.</summary>
    private ulong ParseBase62()
    {
        if (Eat('_'))
        {
            return 0;
        }

        ulong value = 0;
        while (!_failed && !Eat('_'))
        {
            var c = Next();
            int digit = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'a' and <= 'z' => 10 + (c - 'a'),
                >= 'A' and <= 'Z' => 36 + (c - 'A'),
                _ => -1,
            };
            if (digit < 0 || value > (ulong.MaxValue - (ulong)digit) / 62)
            {
                _failed = true;
                return 0;
            }

            value = (value * 62) + (ulong)digit;
        }

        if (value == ulong.MaxValue)
        {
            _failed = true;
            return 0;
        }

        return value + 1;
    }

    private ulong ParseDisambiguator() => Eat('s') ? ParseBase62() + 1 : 0;

    /// <summary>A back-reference's target: a position before the <c>B</c> at <paramref name="tagPosition"/>.</summary>
    private int ParseBackref(int tagPosition)
    {
        var target = ParseBase62();
        if (_failed || target >= (ulong)tagPosition)
        {
            _failed = true;
            return 0;
        }

        return (int)target;
    }

    /// <summary>Reads a back-reference (after its <c>B</c>) and prints what it points to, unless nothing is printed anyway.</summary>
    private void FollowBackref(int tagPosition, Resumed print, bool inValue)
    {
        var target = ParseBackref(tagPosition);
        if (_failed || _skipping)
        {
            return;
        }

        var resume = _next;
        _next = target;
        print(ref this, inValue);
        _next = resume;
    }

    /// <summary>An identifier: <c>[u]</c> decimal length, optional <c>_</c>, the bytes; with <c>u</c> they are Punycode.</summary>
    private Identifier ParseIdent()
    {
        var punycode = Eat('u');
        var first = Next();
        if (!char.IsAsciiDigit(first))
        {
            _failed = true;
            return default;
        }

        long length = first - '0';
        if (length != 0)
        {
            while (_next < _symbol.Length && char.IsAsciiDigit(_symbol[_next]))
            {
                length = (length * 10) + (_symbol[_next++] - '0');
                if (length > _symbol.Length)
                {
                    _failed = true;
                    return default;
                }
            }
        }

        Eat('_');
        if (length > _symbol.Length - _next)
        {
            _failed = true;
            return default;
        }

        var text = _symbol.Slice(_next, (int)length);
        _next += (int)length;
        if (!punycode)
        {
            return new Identifier(text, default);
        }

        // The last '_' separates the ASCII characters from the Punycode insertions.
        var separator = text.LastIndexOf('_');
        var insertions = separator < 0 ? text : text[(separator + 1)..];
        if (insertions.IsEmpty)
        {
            _failed = true;
            return default;
        }

        return new Identifier(separator < 0 ? default : text[..separator], insertions);
    }

    private void PrintIdent(Identifier identifier)
    {
        if (_failed || _skipping)
        {
            return;
        }

        if (identifier.Punycode.IsEmpty)
        {
            Print(identifier.Ascii);
            return;
        }

        if (Punycode.TryDecode(identifier.Ascii, identifier.Punycode, MaxIdentifierCodePoints, out var decoded))
        {
            Print(decoded);
        }
        else
        {
            _failed = true;
        }
    }

    private readonly ref struct Identifier(ReadOnlySpan<char> ascii, ReadOnlySpan<char> punycode)
    {
        public ReadOnlySpan<char> Ascii { get; } = ascii;

        public ReadOnlySpan<char> Punycode { get; } = punycode;

        public bool IsEmpty => Ascii.IsEmpty && Punycode.IsEmpty;
    }
}

/// <summary>RFC 3492 decoding, as v0 identifiers with non-ASCII characters use it.</summary>
internal static class Punycode
{
    private const int Base = 36;
    private const int TMin = 1;
    private const int TMax = 26;
    private const int Skew = 38;
    private const int InitialBias = 72;
    private const int InitialCodePoint = 0x80;

    public static bool TryDecode(ReadOnlySpan<char> ascii, ReadOnlySpan<char> insertions, int maxCodePoints, out string decoded)
    {
        decoded = string.Empty;
        var output = new List<int>(ascii.Length + insertions.Length);
        foreach (var c in ascii)
        {
            output.Add(c);
        }

        long codePoint = InitialCodePoint;
        long index = 0;
        var bias = InitialBias;
        var damp = 700;
        var position = 0;
        while (position < insertions.Length)
        {
            long delta = 0;
            long weight = 1;
            for (var k = Base; ; k += Base)
            {
                if (position >= insertions.Length)
                {
                    return false;
                }

                var c = insertions[position++];
                int digit = c switch
                {
                    >= 'a' and <= 'z' => c - 'a',
                    >= '0' and <= '9' => 26 + (c - '0'),
                    _ => -1,
                };
                if (digit < 0)
                {
                    return false;
                }

                delta += digit * weight;
                var threshold = Math.Clamp(k - bias, TMin, TMax);
                if (digit < threshold)
                {
                    break;
                }

                weight *= Base - threshold;
                if (delta > int.MaxValue || weight > int.MaxValue)
                {
                    return false;
                }
            }

            var length = output.Count + 1;
            index += delta;
            codePoint += index / length;
            index %= length;
            if (codePoint > 0x10FFFF || (codePoint is >= 0xD800 and <= 0xDFFF) || length > maxCodePoints)
            {
                return false;
            }

            output.Insert((int)index, (int)codePoint);
            index++;
            bias = Adapt(delta, length, damp);
            damp = 2;
        }

        var text = new StringBuilder(output.Count);
        foreach (var value in output)
        {
            text.Append(char.ConvertFromUtf32(value));
        }

        decoded = text.ToString();
        return true;
    }

    private static int Adapt(long delta, int length, int damp)
    {
        delta /= damp;
        delta += delta / length;
        var k = 0;
        while (delta > ((Base - TMin) * TMax) / 2)
        {
            delta /= Base - TMin;
            k += Base;
        }

        return (int)(k + (((Base - TMin + 1) * delta) / (delta + Skew)));
    }
}
