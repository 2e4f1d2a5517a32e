using System.Buffers.Binary;
using System.IO.Compression;
using SystemScope.Symbols.Elf;

namespace SystemScope.Symbols.Unwind;

/// <summary>
/// Reads <c>.eh_frame</c> and <c>.debug_frame</c> out of an ELF file, inflating a zlib-compressed
/// <c>.debug_frame</c> (SHF_COMPRESSED, or GNU's older <c>.zdebug_frame</c>).
/// </summary>
internal static class UnwindSectionLoader
{
    // libLLVM's .eh_frame is ~10 MiB; far beyond that is a corrupt or hostile header.
    private const ulong MaxSectionBytes = 256UL * 1024 * 1024;
    private const uint ShtProgbits = 1;
    private const uint ShtX86_64Unwind = 0x70000001;
    private const uint CompressZlib = 1;
    private const int CompressionHeaderSize = 24;

    public static List<UnwindSection> Load(ElfFile elf, UnwindStatistics statistics)
    {
        var bases = new PointerBases(0, Find(elf, ".text")?.Address, Find(elf, ".got")?.Address);
        var plt = elf.Sections
            .Where(s => s.Name is ".plt" or ".plt.sec" or ".plt.got" && s.Size > 0)
            .Select(s => (s.Address, s.Address + s.Size))
            .ToArray();

        var sections = new List<UnwindSection>(2);
        if (Find(elf, UnwindSection.EhFrame) is { } eh && TryReadBytes(elf, eh, statistics, out var ehBytes))
        {
            sections.Add(new UnwindSection(UnwindSection.EhFrame, ehBytes, bases with { SectionAddress = eh.Address }, 0, plt));
        }

        var debug = Find(elf, UnwindSection.DebugFrame) ?? Find(elf, ".zdebug_frame");
        if (debug is { } frame && TryReadBytes(elf, frame, statistics, out var debugBytes))
        {
            sections.Add(new UnwindSection(UnwindSection.DebugFrame, debugBytes, bases with { SectionAddress = 0 }, 1, plt));
        }

        return sections;
    }

    private static ElfSection? Find(ElfFile elf, string name)
    {
        foreach (var section in elf.Sections)
        {
            // A separate debug file keeps .eh_frame as NOBITS: there is nothing to read there.
            if (section.Name == name && section.Type is ShtProgbits or ShtX86_64Unwind && section.Size > 0)
            {
                return section;
            }
        }

        return null;
    }

    private static bool TryReadBytes(ElfFile elf, ElfSection section, UnwindStatistics statistics, out byte[] bytes)
    {
        if (!TryReadSection(elf, section, out bytes, out var problem))
        {
            statistics.Record(UnwindDefect.UnreadableSection, section.Name, 0, problem!);
            return false;
        }

        return true;
    }

    /// <summary>The contents of a section, inflated when compressed; a reason instead when it cannot be read.</summary>
    internal static bool TryReadSection(ElfFile elf, ElfSection section, out byte[] bytes, out string? problem)
    {
        bytes = [];
        if (section.Size > MaxSectionBytes)
        {
            problem = $"{section.Size} bytes is more than the {MaxSectionBytes} allowed";
            return false;
        }

        var raw = new byte[section.Size];
        if (!elf.TryRead(section.Offset, raw))
        {
            problem = "the section lies beyond the end of the file";
            return false;
        }

        if ((section.Flags & ElfSection.ShfCompressed) != 0)
        {
            (bytes, problem) = Inflate(raw);
        }
        else if (section.Name.StartsWith(".zdebug", StringComparison.Ordinal))
        {
            (bytes, problem) = InflateGnu(raw);
        }
        else
        {
            (bytes, problem) = (raw, null);
        }

        return problem is null;
    }

    /// <summary>SHF_COMPRESSED: an Elf64_Chdr (type, reserved, size, alignment), then the zlib stream.</summary>
    private static (byte[] Bytes, string? Problem) Inflate(byte[] raw)
    {
        if (raw.Length < CompressionHeaderSize)
        {
            return ([], "compression header truncated");
        }

        var type = BinaryPrimitives.ReadUInt32LittleEndian(raw);
        var size = BinaryPrimitives.ReadUInt64LittleEndian(raw.AsSpan(8));
        return type == CompressZlib
            ? InflateZlib(raw, CompressionHeaderSize, size)
            : ([], $"compression type {type} is not zlib");
    }

    /// <summary>GNU's .zdebug_*: "ZLIB", the size as 8 big-endian bytes, then the zlib stream.</summary>
    private static (byte[] Bytes, string? Problem) InflateGnu(byte[] raw) =>
        raw.Length >= 12 && raw.AsSpan(0, 4).SequenceEqual("ZLIB"u8)
            ? InflateZlib(raw, 12, BinaryPrimitives.ReadUInt64BigEndian(raw.AsSpan(4)))
            : ([], "no ZLIB header");

    private static (byte[] Bytes, string? Problem) InflateZlib(byte[] raw, int start, ulong size)
    {
        if (size > MaxSectionBytes)
        {
            return ([], $"decompressed size {size} is more than the {MaxSectionBytes} allowed");
        }

        var bytes = new byte[size];
        try
        {
            using var stream = new ZLibStream(new MemoryStream(raw, start, raw.Length - start, writable: false), CompressionMode.Decompress);
            stream.ReadExactly(bytes);
            return (bytes, null);
        }
        catch (Exception ex) when (ex is InvalidDataException or EndOfStreamException or IOException)
        {
            return ([], $"zlib data is corrupt or shorter than its header says ({ex.Message})");
        }
    }
}
