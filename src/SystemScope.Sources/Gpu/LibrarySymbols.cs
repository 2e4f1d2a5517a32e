using System.Buffers.Binary;
using System.Text;
using Microsoft.Win32.SafeHandles;
using SystemScope.Symbols.Elf;

namespace SystemScope.Sources.Gpu;

/// <summary>
/// The file offsets of the exported functions of a vendor library (<c>.dynsym</c>, else <c>.symtab</c>), the
/// places its uprobes go. Only the names asked for are kept; indirect functions (IFUNC) are left out, their
/// symbol is the resolver, not the function.
/// </summary>
internal static class LibrarySymbols
{
    private const int SymbolSize = 24;
    private const byte SttFunc = 2;
    private const long MaxStrings = 64L * 1024 * 1024;

    /// <summary>Offsets by name of the <paramref name="wanted"/> functions <paramref name="path"/> defines; an error text when the file is unreadable.</summary>
    public static IReadOnlyDictionary<string, ulong> Read(string path, IReadOnlySet<string> wanted, out string? error)
    {
        var found = new Dictionary<string, ulong>(StringComparer.Ordinal);
        try
        {
            using SafeFileHandle handle = File.OpenHandle(path);
            if (!ElfFile.TryOpen(handle, out var elf, out error) || elf is null)
            {
                return found;
            }

            var table = elf.FindSection(".dynsym", ElfSection.ShtDynsym) ?? elf.FindSection(".symtab", ElfSection.ShtSymtab);
            if (table is not { } symbols || symbols.EntrySize != SymbolSize || symbols.Link >= elf.Sections.Length)
            {
                error = "no symbol table";
                return found;
            }

            var strtab = elf.Sections[symbols.Link];
            if (strtab.Size > MaxStrings)
            {
                error = "symbol names too large";
                return found;
            }

            var strings = new byte[strtab.Size];
            var entries = new byte[symbols.Size];
            if (!elf.TryRead(strtab.Offset, strings) || !elf.TryRead(symbols.Offset, entries))
            {
                error = "symbol table lies beyond the end of the file";
                return found;
            }

            for (var at = SymbolSize; at + SymbolSize <= entries.Length; at += SymbolSize)
            {
                var entry = entries.AsSpan(at, SymbolSize);
                var nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(entry);
                var section = BinaryPrimitives.ReadUInt16LittleEndian(entry[6..]);
                var value = BinaryPrimitives.ReadUInt64LittleEndian(entry[8..]);
                if ((entry[4] & 0xF) != SttFunc || section == 0 || nameOffset >= strings.Length)
                {
                    continue;
                }

                var rest = strings.AsSpan((int)nameOffset);
                var end = rest.IndexOf((byte)0);
                var name = Encoding.UTF8.GetString(end < 0 ? rest : rest[..end]);
                if (wanted.Contains(name) && FileOffset(elf, value) is { } offset)
                {
                    found.TryAdd(name, offset);
                }
            }

            error = null;
            return found;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = ex.Message;
            return found;
        }
    }

    /// <summary>Where in the file the code at virtual address <paramref name="address"/> lies: uprobes take file offsets.</summary>
    private static ulong? FileOffset(ElfFile elf, ulong address)
    {
        foreach (var segment in elf.Segments)
        {
            if (segment.Type == ElfProgramHeader.PtLoad && address >= segment.VirtualAddress && address < segment.VirtualAddress + segment.FileSize)
            {
                return address - segment.VirtualAddress + segment.Offset;
            }
        }

        return null;
    }
}
