using SystemScope.Symbols.Dwarf;
using SystemScope.Symbols.Elf;
using SystemScope.Symbols.Runtimes.ReadyToRun;
using SystemScope.Symbols.Support;
using SystemScope.Symbols.Unwind;

namespace SystemScope.Symbols.Binaries;

/// <summary>
/// Turns an opened binary into a cached <see cref="BinaryImage"/>: the cache is asked by file
/// identity, then by build id, and only then is the file parsed (functions from <c>.symtab</c>, else a
/// separate debug file, else MiniDebugInfo with <c>.dynsym</c>, else <c>.dynsym</c>). Files that are not
/// ELF are cached as such too.
/// </summary>
internal sealed class BinaryLoader(BinaryCache cache, DebugFileLocator debugFiles, FailureLog failures, bool inlineFrames = false)
{
    // One parse at a time: two processes of the same new binary then parse it once.
    private readonly Lock _parseGate = new();

    public BinaryCache Cache => cache;

    public BinaryImage Load(OpenedBinary opened)
    {
        if (cache.TryGet(opened.Identity, out var cached))
        {
            return cached;
        }

        lock (_parseGate)
        {
            if (cache.TryGet(opened.Identity, out cached))
            {
                return cached;
            }

            BinaryImage image;
            var sharedByBuildId = false;
            try
            {
                image = Parse(opened, out sharedByBuildId);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A hostile or corrupt file must cost its own frames, never the caller: cached as unreadable.
                failures.Record(opened.Pid, "binary", $"{opened.Path}: {ex.Message}");
                image = BinaryImage.Failed(ex.Message);
            }

            if (!sharedByBuildId)
            {
                cache.Add(opened.Identity, image);
            }

            return image;
        }
    }

    private BinaryImage Parse(OpenedBinary opened, out bool sharedByBuildId)
    {
        sharedByBuildId = false;
        if (!ElfFile.TryOpen(opened.Handle, out var elf, out var error) || elf is null)
        {
            if (ReadyToRunImage.LooksLikePe(opened.Handle))
            {
                return ReadPortableExecutable(opened);
            }

            // Non-ELF executable mappings are normal: not a failure.
            if (error is not "not an ELF file" and not "not an ELF file (shorter than an ELF header)")
            {
                failures.Record(opened.Pid, "binary", $"{opened.Path}: {error}");
            }

            return BinaryImage.Failed(error ?? "unreadable");
        }

        var buildId = elf.ReadBuildId();
        if (buildId is not null && cache.TryGetByBuildId(buildId, opened.Identity, out var shared))
        {
            sharedByBuildId = true;
            return shared;
        }

        var segments = elf.Segments
            .Where(s => s.Type == ElfProgramHeader.PtLoad && s.FileSize > 0)
            .Select(s => new LoadSegment(s.Offset, s.FileSize, s.VirtualAddress))
            .ToArray();
        var image = ParseFunctions(elf, buildId, segments, opened);
        if (inlineFrames)
        {
            image.AttachInlines(ReadInlines(elf, buildId, opened));
        }

        return image;
    }

    // .NET assemblies: ReadyToRun images name their precompiled methods; IL-only ones have no code to name.
    private BinaryImage ReadPortableExecutable(OpenedBinary opened)
    {
        var image = ReadyToRunImage.TryRead(opened.Handle, out var problem);
        if (image is not null)
        {
            return image;
        }

        if (problem is not "not a ReadyToRun image" and not "not a .NET assembly")
        {
            failures.Record(opened.Pid, "readytorun", $"{opened.Path}: {problem}");
        }

        return BinaryImage.Failed(problem ?? "unreadable PE file");
    }

    // The binary's own .debug_info, else its separate debug file's; no debug info anywhere is normal.
    private InlineTable ReadInlines(ElfFile elf, string? buildId, OpenedBinary opened)
    {
        string? problem;
        var inlines = DebugInfoSections.IsPresent(elf)
            ? InlineTableReader.Read(elf, out problem)
            : debugFiles.ReadInlines(elf, buildId, opened.Path, opened.ProcessRoot, out problem);
        if (problem is not null)
        {
            failures.Record(opened.Pid, "debuginfo", $"{opened.Path}: {problem}");
        }

        return inlines;
    }

    private BinaryImage ParseFunctions(ElfFile elf, string? buildId, LoadSegment[] segments, OpenedBinary opened)
    {

        if (ElfFunctionReader.TryRead(elf, ".symtab", ElfSection.ShtSymtab, out var functions, out _) && functions.Count > 0)
        {
            return new BinaryImage(buildId, segments, functions, ".symtab", null);
        }

        if (debugFiles.TryRead(elf, buildId, opened.Path, opened.ProcessRoot, out functions, out var debugPath))
        {
            return new BinaryImage(buildId, segments, functions, debugPath!, null);
        }

        if (MiniDebugInfo.IsPresent(elf))
        {
            if (MiniDebugInfo.TryReadFunctions(elf, out functions, out var miniError) && functions.Count > 0)
            {
                return new BinaryImage(buildId, segments, WithFdeFunctions(elf, functions), MiniDebugInfo.SectionName, null);
            }

            // The binary still has its .dynsym: say why the rest has no names, then use that.
            failures.Record(opened.Pid, "minidebuginfo", $"{opened.Path}: {miniError ?? "no functions"}");
        }

        if (ElfFunctionReader.TryRead(elf, ".dynsym", ElfSection.ShtDynsym, out functions, out _) && functions.Count > 0)
        {
            return new BinaryImage(buildId, segments, WithFdeFunctions(elf, functions), ".dynsym", null);
        }

        return new BinaryImage(buildId, segments, WithFdeFunctions(elf, FunctionTable.Empty), "none", null);
    }

    // Stripped code: each FDE that no symbol covers is one function, named by its start address, so
    // that its samples group per function rather than per address.
    internal static FunctionTable WithFdeFunctions(ElfFile elf, FunctionTable functions) =>
        functions.WithUnnamedRanges(UnwindTableBuilder.ReadFunctionRanges(elf));
}
