using System.Text;

namespace SystemScope.Symbols.Demangling;

/// <summary>
/// Parses a v0 symbol and prints it in one pass (paths, generic arguments, types). Malformed or
/// hostile input fails instead of throwing: recursion is bounded, back-references must point
/// backwards, and the output has a size limit (back-references can otherwise multiply it).
/// Constants are in the other part of this class.
/// </summary>
internal ref partial struct RustV0Printer
{
    private const int MaxDepth = 500;
    private const int MaxOutput = 64 * 1024;

    private readonly ReadOnlySpan<char> _symbol;
    private readonly StringBuilder _output;
    private int _next;
    private int _depth;
    private bool _failed;
    private bool _skipping;
    private ulong _boundLifetimes;

    public RustV0Printer(ReadOnlySpan<char> symbol, StringBuilder output)
    {
        _symbol = symbol;
        _output = output;
    }

    public readonly string Output => _output.ToString();

    /// <summary>The path in value position, then (not printed) the instantiating crate; true when all of it parsed.</summary>
    public bool TryPrintSymbol()
    {
        PrintPath(inValue: true);
        if (!_failed && _next < _symbol.Length)
        {
            _skipping = true;
            PrintPath(inValue: false);
        }

        return !_failed && _next == _symbol.Length;
    }

    private void PrintPath(bool inValue)
    {
        if (!Enter())
        {
            return;
        }

        var start = _next;
        switch (Next())
        {
            case 'C':
                ParseDisambiguator();
                PrintIdent(ParseIdent());
                break;

            case 'N':
                PrintNested(inValue);
                break;

            case 'M':
            case 'X':
            case 'Y':
                PrintQualified(_symbol[start], inValue);
                break;

            case 'I':
                PrintPath(inValue);
                Print(inValue ? "::<" : "<");
                PrintList(static (ref RustV0Printer p) => p.PrintGenericArg(), ", ");
                Print(">");
                break;

            case 'B':
                FollowBackref(start, static (ref RustV0Printer p, bool inValue) => p.PrintPath(inValue), inValue);
                break;

            default:
                _failed = true;
                break;
        }

        _depth--;
    }

    private void PrintNested(bool inValue)
    {
        var ns = Next();
        if (!char.IsAsciiLetter(ns))
        {
            _failed = true;
            return;
        }

        PrintPath(inValue);
        var disambiguator = ParseDisambiguator();
        var name = ParseIdent();
        if (char.IsAsciiLetterUpper(ns))
        {
            // Special namespaces: closures, shims, and whatever a later compiler adds.
            Print("::{");
            switch (ns)
            {
                case 'C':
                    Print("closure");
                    break;
                case 'S':
                    Print("shim");
                    break;
                default:
                    Print(ns);
                    break;
            }

            if (!name.IsEmpty)
            {
                Print(":");
                PrintIdent(name);
            }

            Print("#");
            Print(disambiguator);
            Print("}");
        }
        else if (!name.IsEmpty)
        {
            Print("::");
            PrintIdent(name);
        }
    }

    // Inherent impl (M), trait impl (X) and <T as Trait> (Y): the impl's own path is parsed, not shown.
    private void PrintQualified(char tag, bool inValue)
    {
        if (tag != 'Y')
        {
            ParseDisambiguator();
            var wasSkipping = _skipping;
            _skipping = true;
            PrintPath(inValue);
            _skipping = wasSkipping;
        }

        Print("<");
        PrintType();
        if (tag != 'M')
        {
            Print(" as ");
            PrintPath(inValue: false);
        }

        Print(">");
    }

    private void PrintGenericArg()
    {
        if (Eat('L'))
        {
            PrintLifetime(ParseBase62());
        }
        else if (Eat('K'))
        {
            PrintConst(inValue: false);
        }
        else
        {
            PrintType();
        }
    }

    private void PrintType()
    {
        if (_failed)
        {
            return;
        }

        var start = _next;
        var tag = Next();
        if (BasicType(tag) is { } basic)
        {
            Print(basic);
            return;
        }

        if (!Enter())
        {
            return;
        }

        switch (tag)
        {
            case 'R':
            case 'Q':
                Print("&");
                if (Eat('L'))
                {
                    var lifetime = ParseBase62();
                    if (lifetime != 0)
                    {
                        PrintLifetime(lifetime);
                        Print(" ");
                    }
                }

                if (tag == 'Q')
                {
                    Print("mut ");
                }
                PrintType();
                break;

            case 'P':
            case 'O':
                Print(tag == 'P' ? "*const " : "*mut ");
                PrintType();
                break;

            case 'A':
            case 'S':
                Print("[");
                PrintType();
                if (tag == 'A')
                {
                    Print("; ");
                    PrintConst(inValue: true);
                }

                Print("]");
                break;

            case 'T':
                Print("(");
                if (PrintList(static (ref RustV0Printer p) => p.PrintType(), ", ") == 1)
                {
                    Print(",");
                }

                Print(")");
                break;

            case 'F':
                PrintFunctionType();
                break;

            case 'D':
                PrintDynTrait();
                break;

            case 'B':
                FollowBackref(start, static (ref RustV0Printer p, bool _) => p.PrintType(), false);
                break;

            default:
                _next = start; // a path: let it read its own tag
                PrintPath(inValue: false);
                break;
        }

        _depth--;
    }

    private void PrintFunctionType()
    {
        var outerLifetimes = _boundLifetimes;
        PrintBinder();
        if (Eat('U'))
        {
            Print("unsafe ");
        }

        if (Eat('K'))
        {
            // The ABI's '-' were mangled as '_'.
            var abi = Eat('C') ? "C" : ParseIdent() is { IsEmpty: false, Punycode.IsEmpty: true } name ? name.Ascii.ToString() : null;
            if (abi is null || _failed)
            {
                _failed = true;
                return;
            }

            Print("extern \"");
            Print(abi.Replace('_', '-'));
            Print("\" ");
        }

        Print("fn(");
        PrintList(static (ref RustV0Printer p) => p.PrintType(), ", ");
        Print(")");
        if (!Eat('u'))
        {
            Print(" -> ");
            PrintType();
        }

        _boundLifetimes = outerLifetimes;
    }

    private void PrintDynTrait()
    {
        Print("dyn ");
        var outerLifetimes = _boundLifetimes;
        PrintBinder();
        PrintList(static (ref RustV0Printer p) => p.PrintDynTraitBound(), " + ");
        _boundLifetimes = outerLifetimes;
        if (!Eat('L'))
        {
            _failed = true;
            return;
        }

        var lifetime = ParseBase62();
        if (lifetime != 0)
        {
            Print(" + ");
            PrintLifetime(lifetime);
        }
    }

    // A trait with its associated type bindings inside the same <…>: dyn Iterator<Item = u8>.
    private void PrintDynTraitBound()
    {
        var open = PrintPathMaybeOpenGenerics();
        while (!_failed && Eat('p'))
        {
            Print(open ? ", " : "<");
            open = true;
            PrintIdent(ParseIdent());
            Print(" = ");
            PrintType();
        }

        if (open)
        {
            Print(">");
        }
    }

    private bool PrintPathMaybeOpenGenerics()
    {
        if (!Enter())
        {
            return false;
        }

        var open = false;
        var start = _next;
        if (Eat('B'))
        {
            var target = ParseBackref(start);
            if (!_failed && !_skipping)
            {
                var resume = _next;
                _next = target;
                open = PrintPathMaybeOpenGenerics();
                _next = resume;
            }
        }
        else if (Eat('I'))
        {
            PrintPath(inValue: false);
            Print("<");
            open = true;
            PrintList(static (ref RustV0Printer p) => p.PrintGenericArg(), ", ");
        }
        else
        {
            PrintPath(inValue: false);
        }

        _depth--;
        return open;
    }

    // for<'a, 'b> before a fn pointer or dyn type: the lifetimes it binds become visible inside.
    private void PrintBinder()
    {
        var count = Eat('G') ? ParseBase62() + 1 : 0;
        if (count == 0 || _failed)
        {
            return;
        }

        Print("for<");
        for (ulong i = 0; i < count && !_failed; i++)
        {
            if (i > 0)
            {
                Print(", ");
            }

            _boundLifetimes++;
            PrintLifetime(1);
        }

        Print("> ");
    }

    private void PrintLifetime(ulong index)
    {
        Print("'");
        if (index == 0)
        {
            Print("_");
            return;
        }

        var depth = _boundLifetimes - index;
        if (index > _boundLifetimes)
        {
            _failed = true;
        }
        else if (depth < 26)
        {
            Print((char)('a' + (int)depth));
        }
        else
        {
            Print('_');
            Print(depth);
        }
    }

    private static string? BasicType(char tag) => tag switch
    {
        'b' => "bool",
        'c' => "char",
        'e' => "str",
        'u' => "()",
        'a' => "i8",
        's' => "i16",
        'l' => "i32",
        'x' => "i64",
        'n' => "i128",
        'i' => "isize",
        'h' => "u8",
        't' => "u16",
        'm' => "u32",
        'y' => "u64",
        'o' => "u128",
        'j' => "usize",
        'f' => "f32",
        'd' => "f64",
        'z' => "!",
        'p' => "_",
        'v' => "...",
        _ => null,
    };
}
