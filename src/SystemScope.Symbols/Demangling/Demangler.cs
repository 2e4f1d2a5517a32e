using SystemScope.Core.Symbols;

namespace SystemScope.Symbols.Demangling;

/// <summary>
/// Turns mangled symbol names into what people read, the way <c>nm --demangle</c> does: Rust first
/// (v0 <c>_R…</c>, then legacy <c>_ZN…17h&lt;hash&gt;E</c>, both without the hash), then C++ (Itanium)
/// through the C++ runtime's own demangler. Anything else, or anything that does not parse, comes
/// back as the same instance, so callers can tell by reference that nothing changed.
/// </summary>
internal static class Demangler
{
    /// <summary>A frame named by the demangled name, keeping the mangled one as <see cref="Symbol.RawName"/> when they differ.</summary>
    public static Symbol ToSymbol(string name, string? module, FrameKind kind)
    {
        var readable = Demangle(name);
        return new Symbol(readable, module, kind) { RawName = string.Equals(readable, name, StringComparison.Ordinal) ? null : name };
    }

    /// <summary>The readable name, or <paramref name="name"/> itself when it is not mangled or does not demangle.</summary>
    public static string Demangle(string name)
    {
        ArgumentNullException.ThrowIfNull(name);

        // Plain C names are by far the most common: one check of the first byte settles them.
        if (name.Length < 3 || name[0] != '_')
        {
            return name;
        }

        if (name[1] == 'R')
        {
            return RustV0Demangler.TryDemangle(name, out var rust) ? rust : name;
        }

        if (name[1] == 'Z' && name[2] == 'N' && RustLegacyDemangler.TryDemangle(name, out var legacy))
        {
            return legacy;
        }

        if (CxxDemangler.IsMangled(name))
        {
            return CxxDemangler.TryDemangle(name, out var cxx) ? cxx : name;
        }

        return name;
    }
}
