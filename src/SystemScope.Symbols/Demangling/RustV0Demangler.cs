using System.Text;

namespace SystemScope.Symbols.Demangling;

/// <summary>
/// Rust's v0 mangling (RFC 2603): <c>_R</c>, a path, optionally the instantiating crate and a
/// <c>.suffix</c>. Printed as binutils and rustfilt print it without their verbose mode: no crate
/// hashes, no instantiating crate, no suffix. Paths, types and constants live in
/// <see cref="RustV0Printer"/>; this is the entry point with the checks that cheaply reject the rest.
/// </summary>
internal static class RustV0Demangler
{
    public static bool TryDemangle(string mangled, out string demangled)
    {
        demangled = mangled;
        if (mangled.Length < 3 || !mangled.StartsWith("_R", StringComparison.Ordinal) || !char.IsAsciiLetterUpper(mangled[2]))
        {
            return false;
        }

        // A vendor suffix (".llvm.1234") ends the symbol proper and is not shown.
        var symbol = mangled.AsSpan(2);
        var dot = symbol.IndexOf('.');
        if (dot >= 0)
        {
            symbol = symbol[..dot];
        }

        foreach (var c in symbol)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        var printer = new RustV0Printer(symbol, new StringBuilder(symbol.Length + 16));
        if (!printer.TryPrintSymbol())
        {
            return false;
        }

        demangled = printer.Output;
        return true;
    }
}
