using SystemScope.Symbols.Support;

namespace SystemScope.Symbols.Elf;

/// <summary>
/// MiniDebugInfo: a <c>.gnu_debugdata</c> section holding an xz-compressed ELF file whose
/// <c>.symtab</c> lists the functions a stripped binary's <c>.dynsym</c> lacks (Fedora and others ship
/// binaries this way). Read together with <c>.dynsym</c>, as gdb and elfutils do.
/// </summary>
internal static class MiniDebugInfo
{
    public const string SectionName = ".gnu_debugdata";

    // Real ones are tens of KiB to a few MiB; the bound keeps a hostile file from costing more.
    private const ulong MaxCompressedBytes = 16 * 1024 * 1024;
    private const int MaxDecompressedBytes = 64 * 1024 * 1024;
    private const uint ShtProgbits = 1;

    public static bool IsPresent(ElfFile elf) => elf.FindSection(SectionName, ShtProgbits) is not null;

    /// <summary>
    /// The functions of the embedded <c>.symtab</c> merged with the binary's <c>.dynsym</c>. False with a
    /// reason when the section is absent, cannot be decompressed or holds no symbol table.
    /// </summary>
    public static bool TryReadFunctions(ElfFile elf, out FunctionTable functions, out string? error)
    {
        functions = FunctionTable.Empty;
        if (elf.FindSection(SectionName, ShtProgbits) is not { } section)
        {
            error = $"no {SectionName}";
            return false;
        }

        if (section.Size is 0 or > MaxCompressedBytes)
        {
            error = $"{SectionName} of {section.Size} bytes is empty or too large";
            return false;
        }

        var compressed = new byte[section.Size];
        if (!elf.TryRead(section.Offset, compressed))
        {
            error = $"{SectionName} lies beyond the end of the file";
            return false;
        }

        var image = XzDecoder.TryDecompress(compressed, MaxDecompressedBytes, out error);
        if (image is null)
        {
            error = $"{SectionName}: {error}";
            return false;
        }

        if (!ElfFile.TryOpen(image, out var embedded, out error) || embedded is null)
        {
            error = $"{SectionName} does not hold an ELF file: {error}";
            return false;
        }

        // The binary's own .dynsym is merged when it has one; a static binary may not.
        var merged = elf.FindSection(".dynsym", ElfSection.ShtDynsym) is not null
            ? ElfFunctionReader.TryReadMerged([(embedded, ".symtab", ElfSection.ShtSymtab), (elf, ".dynsym", ElfSection.ShtDynsym)], out functions, out error)
            : ElfFunctionReader.TryRead(embedded, ".symtab", ElfSection.ShtSymtab, out functions, out error);
        if (!merged)
        {
            error = $"{SectionName}: {error}";
        }

        return merged;
    }
}
