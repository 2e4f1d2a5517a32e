namespace SystemScope.Symbols.Demangling;

/// <summary>Types: basic ones, references, pointers, arrays, tuples, fn pointers with their binders, trait objects.</summary>
internal ref partial struct RustV0Printer
{
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
