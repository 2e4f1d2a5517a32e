using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace SystemScope.Symbols.Elf;

/// <summary>
/// The headers of one ELF64 file, read through an open handle or from memory: segments, sections, build id and
/// debug link. Symbol tables are read on demand (<see cref="ElfFunctionReader"/>), never the whole file.
/// </summary>
internal sealed class ElfFile
{
    // Real binaries have a few dozen of each; anything far larger is a corrupt or hostile file.
    private const int MaxHeaders = 4096;
    private const int MaxNoteBytes = 64 * 1024;
    private const ushort ShnXindex = 0xFFFF;

    private ElfFile(ElfBytes bytes, ElfHeader header, ElfProgramHeader[] segments, ElfSection[] sections)
    {
        Bytes = bytes;
        Header = header;
        Segments = segments;
        Sections = sections;
    }

    public ElfBytes Bytes { get; }

    public long Length => Bytes.Length;

    public ElfHeader Header { get; }

    public ElfProgramHeader[] Segments { get; }

    public ElfSection[] Sections { get; }

    /// <summary>Reads and checks the headers. The handle stays owned by the caller.</summary>
    public static bool TryOpen(SafeFileHandle handle, out ElfFile? file, out string? error)
    {
        try
        {
            return TryOpen(new FileElfBytes(handle), out file, out error);
        }
        catch (IOException ex)
        {
            file = null;
            error = $"read failed: {ex.Message}";
            return false;
        }
    }

    /// <summary>Reads and checks the headers of an image held in memory.</summary>
    public static bool TryOpen(ReadOnlyMemory<byte> image, out ElfFile? file, out string? error) => TryOpen(new MemoryElfBytes(image), out file, out error);

    private static bool TryOpen(ElfBytes bytes, out ElfFile? file, out string? error)
    {
        file = null;
        try
        {
            Span<byte> headerBytes = stackalloc byte[ElfHeader.Size];
            if (!bytes.TryRead(0, headerBytes))
            {
                error = "not an ELF file (shorter than an ELF header)";
                return false;
            }

            if (!ElfHeader.TryParse(headerBytes, out var header, out error))
            {
                return false;
            }

            if (!TryReadSegments(bytes, header, out var segments, out error)
                || !TryReadSections(bytes, header, out var sections, out error))
            {
                return false;
            }

            file = new ElfFile(bytes, header, segments, sections);
            return true;
        }
        catch (IOException ex)
        {
            error = $"read failed: {ex.Message}";
            return false;
        }
    }

    /// <summary>Reads exactly <paramref name="buffer"/>.Length bytes at <paramref name="offset"/>, false when the file is shorter.</summary>
    public bool TryRead(ulong offset, Span<byte> buffer) => Bytes.TryRead(offset, buffer);

    /// <summary>Reads exactly <paramref name="buffer"/>.Length bytes at <paramref name="offset"/> of an open file, false when it is shorter.</summary>
    public static bool TryRead(SafeFileHandle handle, long length, ulong offset, Span<byte> buffer) => FileElfBytes.TryRead(handle, length, offset, buffer);

    public ElfSection? FindSection(string name, uint type)
    {
        foreach (var section in Sections)
        {
            if (section.Type == type && section.Name == name)
            {
                return section;
            }
        }

        return null;
    }

    /// <summary>The NT_GNU_BUILD_ID note as lower-case hex, from PT_NOTE segments or SHT_NOTE sections.</summary>
    public string? ReadBuildId()
    {
        foreach (var segment in Segments)
        {
            if (segment.Type == ElfProgramHeader.PtNote && TryFindBuildId(segment.Offset, segment.FileSize, out var id))
            {
                return id;
            }
        }

        foreach (var section in Sections)
        {
            if (section.Type == ElfSection.ShtNote && TryFindBuildId(section.Offset, section.Size, out var id))
            {
                return id;
            }
        }

        return null;
    }

    /// <summary>The <c>.gnu_debuglink</c> section: a file name and the CRC32 of the debug file.</summary>
    public bool TryReadDebugLink(out string fileName, out uint crc)
    {
        fileName = string.Empty;
        crc = 0;
        var section = FindSection(".gnu_debuglink", 1);
        if (section is not { } link || link.Size < 8 || link.Size > 4096)
        {
            return false;
        }

        Span<byte> data = stackalloc byte[(int)link.Size];
        if (!TryRead(link.Offset, data))
        {
            return false;
        }

        var end = data.IndexOf((byte)0);
        if (end <= 0)
        {
            return false;
        }

        var crcOffset = (end + 4) & ~3;
        if (crcOffset + 4 > data.Length)
        {
            return false;
        }

        fileName = Encoding.UTF8.GetString(data[..end]);
        crc = BinaryPrimitives.ReadUInt32LittleEndian(data[crcOffset..]);
        return fileName.IndexOf('/') < 0;
    }

    private static bool TryReadSegments(ElfBytes file, ElfHeader header, out ElfProgramHeader[] segments, out string? error)
    {
        segments = [];
        error = null;
        if (header.ProgramHeaderCount == 0)
        {
            return true;
        }

        if (header.ProgramHeaderSize < ElfProgramHeader.Size || header.ProgramHeaderCount > MaxHeaders)
        {
            error = $"bad program header table ({header.ProgramHeaderCount} entries of {header.ProgramHeaderSize} bytes)";
            return false;
        }

        var bytes = new byte[header.ProgramHeaderCount * header.ProgramHeaderSize];
        if (!file.TryRead(header.ProgramHeaderOffset, bytes))
        {
            error = "program header table lies beyond the end of the file";
            return false;
        }

        segments = new ElfProgramHeader[header.ProgramHeaderCount];
        for (var i = 0; i < segments.Length; i++)
        {
            segments[i] = ElfProgramHeader.Parse(bytes.AsSpan(i * header.ProgramHeaderSize));
        }

        return true;
    }

    private static bool TryReadSections(ElfBytes file, ElfHeader header, out ElfSection[] sections, out string? error)
    {
        sections = [];
        error = null;
        if (header.SectionHeaderOffset == 0)
        {
            return true; // stripped of section headers: segments still translate addresses
        }

        if (header.SectionHeaderSize < ElfSection.HeaderSize)
        {
            error = $"bad section header size {header.SectionHeaderSize}";
            return false;
        }

        Span<byte> first = stackalloc byte[ElfSection.HeaderSize];
        if (!file.TryRead(header.SectionHeaderOffset, first))
        {
            error = "section header table lies beyond the end of the file";
            return false;
        }

        // Extended numbering: with more than 0xff00 sections the counts live in section 0.
        var (_, zero) = ElfSection.Parse(first);
        var count = header.SectionHeaderCount == 0 ? zero.Size : header.SectionHeaderCount;
        var nameIndex = header.SectionNameIndex == ShnXindex ? zero.Link : header.SectionNameIndex;
        if (count > MaxHeaders)
        {
            error = $"too many sections ({count})";
            return false;
        }

        var bytes = new byte[(int)count * header.SectionHeaderSize];
        if (!file.TryRead(header.SectionHeaderOffset, bytes))
        {
            error = "section header table lies beyond the end of the file";
            return false;
        }

        var parsed = new (uint NameOffset, ElfSection Section)[count];
        for (var i = 0; i < parsed.Length; i++)
        {
            parsed[i] = ElfSection.Parse(bytes.AsSpan(i * header.SectionHeaderSize));
        }

        byte[] names = [];
        if (nameIndex < count && parsed[nameIndex].Section is { Type: ElfSection.ShtStrtab, Size: > 0 and < 1 << 20 } table)
        {
            names = new byte[table.Size];
            if (!file.TryRead(table.Offset, names))
            {
                names = [];
            }
        }

        sections = new ElfSection[count];
        for (var i = 0; i < sections.Length; i++)
        {
            sections[i] = parsed[i].Section with { Name = ReadName(names, parsed[i].NameOffset) };
        }

        return true;
    }

    private static string ReadName(ReadOnlySpan<byte> table, uint offset)
    {
        if (offset >= (uint)table.Length)
        {
            return string.Empty;
        }

        var rest = table[(int)offset..];
        var end = rest.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? rest : rest[..end]);
    }

    private bool TryFindBuildId(ulong offset, ulong size, out string? buildId)
    {
        buildId = null;
        if (size is < 12 or > MaxNoteBytes)
        {
            return false;
        }

        var notes = ArrayPool<byte>.Shared.Rent((int)size);
        try
        {
            var data = notes.AsSpan(0, (int)size);
            if (!TryRead(offset, data))
            {
                return false;
            }

            buildId = ElfNotes.FindGnuBuildId(data);
            return buildId is not null;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(notes);
        }
    }
}
