namespace SystemScope.Symbols.Tests.Demangling;

/// <summary>What binutils makes of a binary's symbol names: the reference the demangler is checked against.</summary>
internal static class NmDemangled
{
    /// <summary>
    /// (mangled, demangled) for every defined symbol of the given nm types, from <c>nm -p</c> and
    /// <c>nm -p --demangle</c>: unsorted, so that line i of one is line i of the other.
    /// </summary>
    public static List<(string Mangled, string Demangled)> Pairs(string path, bool dynamic, string types = "TtWwi")
    {
        string[] common = dynamic ? ["-p", "--defined-only", "-D"] : ["-p", "--defined-only"];
        var raw = Support.Tool.Run("nm", [.. common, path]).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var demangled = Support.Tool.Run("nm", [.. common, "--demangle", path]).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(raw.Length, demangled.Length);

        var pairs = new List<(string, string)>();
        for (var i = 0; i < raw.Length; i++)
        {
            // "ADDRESS TYPE NAME": the demangled name may hold spaces, the mangled one does not.
            var mangledParts = raw[i].Split(' ', 3);
            var demangledParts = demangled[i].Split(' ', 3);
            if (mangledParts.Length < 3 || !types.Contains(mangledParts[1], StringComparison.Ordinal))
            {
                continue;
            }

            pairs.Add((WithoutVersion(mangledParts[2]), WithoutHash(WithoutVersion(demangledParts[2]))));
        }

        return pairs;
    }

    /// <summary>Names the demangler gets wrong: "mangled: expected ≠ actual", the first few.</summary>
    public static List<string> Mismatches(IEnumerable<(string Mangled, string Demangled)> pairs, Func<string, string> demangle) =>
        [.. pairs
            .Select(p => (p.Mangled, p.Demangled, Actual: demangle(p.Mangled)))
            .Where(p => p.Actual != p.Demangled)
            .Select(p => $"{p.Mangled}:\n  nm:   {p.Demangled}\n  ours: {p.Actual}")];

    // Symbol versions (memcpy@@GLIBC_2.14) are not part of the name the symbolizer shows.
    private static string WithoutVersion(string name)
    {
        var at = name.IndexOf('@', StringComparison.Ordinal);
        return at > 0 ? name[..at] : name;
    }

    // binutils hides Rust hashes unless verbose; should a version show one, it is not what we compare.
    private static string WithoutHash(string name)
    {
        if (name.Length > 19 && name[^19..^16] == "::h" && name[^16..].All(char.IsAsciiHexDigitLower))
        {
            return name[..^19];
        }

        return name;
    }
}
