using System.Text;

namespace SystemScope.Symbols.Demangling;

/// <summary>
/// Parses a v0 symbol and prints it in one pass (paths, generic arguments, types). Malformed or
/// hostile input fails instead of throwing: recursion is bounded, back-references must point
/// backwards, and the output has a size limit (back-references can otherwise multiply it).
/// Types, constants and the lexical rules are in the other parts of this struct.
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
}
