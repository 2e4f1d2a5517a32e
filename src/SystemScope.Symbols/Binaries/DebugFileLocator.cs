using Microsoft.Win32.SafeHandles;
using SystemScope.Symbols.Dwarf;
using SystemScope.Symbols.Elf;
using SystemScope.Symbols.Support;

namespace SystemScope.Symbols.Binaries;

/// <summary>
/// Finds the separate debug file of a stripped binary, the way gdb does: by build id
/// (<c>DIR/.build-id/ab/cdef….debug</c>), then by <c>.gnu_debuglink</c> next to the binary, in its
/// <c>.debug</c> folder and under each debug directory. Looks in the process's root first.
/// </summary>
internal sealed class DebugFileLocator(IReadOnlyList<string> debugDirectories)
{
    /// <summary>The debug file's function table, when a matching debug file with a <c>.symtab</c> exists.</summary>
    public bool TryRead(ElfFile binary, string? buildId, string binaryPath, string? processRoot, out FunctionTable functions, out string? source)
    {
        foreach (var (path, debug) in MatchingFiles(binary, buildId, binaryPath, processRoot))
        {
            if (ElfFunctionReader.TryRead(debug, ".symtab", ElfSection.ShtSymtab, out functions, out _) && functions.Count > 0)
            {
                source = path;
                return true;
            }
        }

        functions = FunctionTable.Empty;
        source = null;
        return false;
    }

    /// <summary>The inline table of the first matching debug file with a .debug_info; empty when there is none.</summary>
    public InlineTable ReadInlines(ElfFile binary, string? buildId, string binaryPath, string? processRoot, out string? problem)
    {
        foreach (var (path, debug) in MatchingFiles(binary, buildId, binaryPath, processRoot))
        {
            if (DebugInfoSections.IsPresent(debug))
            {
                var inlines = InlineTableReader.Read(debug, out problem);
                problem = problem is null ? null : $"{path}: {problem}";
                return inlines;
            }
        }

        problem = null;
        return InlineTable.Empty;
    }

    // Each candidate's file stays open while the caller reads it, and is closed when the loop moves on.
    private IEnumerable<(string Path, ElfFile Debug)> MatchingFiles(ElfFile binary, string? buildId, string binaryPath, string? processRoot)
    {
        foreach (var (path, byBuildId, crc) in Candidates(binary, buildId, binaryPath, processRoot))
        {
            using var handle = ProcFile.TryOpen(path, out _);
            if (handle is not null && ElfFile.TryOpen(handle, out var debug, out _) && debug is not null
                && Matches(debug, handle, buildId, byBuildId, crc))
            {
                yield return (path, debug);
            }
        }
    }

    private static bool Matches(ElfFile debug, SafeFileHandle handle, string? buildId, bool byBuildId, uint crc)
    {
        var debugId = debug.ReadBuildId();
        if (buildId is not null && debugId is not null)
        {
            return string.Equals(buildId, debugId, StringComparison.Ordinal);
        }

        // A debug link without build ids on both sides is checked the way the link says: by CRC.
        return !byBuildId && Crc32.OfFile(handle) == crc;
    }

    private IEnumerable<(string Path, bool ByBuildId, uint Crc)> Candidates(ElfFile binary, string? buildId, string binaryPath, string? processRoot)
    {
        string[] roots = processRoot is null ? [string.Empty] : [processRoot, string.Empty];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        if (buildId is { Length: > 2 })
        {
            foreach (var directory in debugDirectories)
            {
                var relative = $"{directory.TrimEnd('/')}/.build-id/{buildId[..2]}/{buildId[2..]}.debug";
                foreach (var root in roots)
                {
                    if (seen.Add(root + relative))
                    {
                        yield return (root + relative, true, 0);
                    }
                }
            }
        }

        if (!binary.TryReadDebugLink(out var name, out var crc))
        {
            yield break;
        }

        var folder = Path.GetDirectoryName(binaryPath) ?? "/";
        List<string> places = [$"{folder}/{name}", $"{folder}/.debug/{name}"];
        places.AddRange(debugDirectories.Select(d => $"{d.TrimEnd('/')}{folder}/{name}"));
        foreach (var place in places)
        {
            foreach (var root in roots)
            {
                if (seen.Add(root + place))
                {
                    yield return (root + place, false, crc);
                }
            }
        }
    }
}
