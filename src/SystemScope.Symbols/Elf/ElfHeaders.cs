using System.Buffers.Binary;

namespace SystemScope.Symbols.Elf;

/// <summary>The fields of an ELF64 file header that symbolisation needs.</summary>
internal readonly record struct ElfHeader(
    ushort Type,
    ulong ProgramHeaderOffset,
    ushort ProgramHeaderSize,
    ushort ProgramHeaderCount,
    ulong SectionHeaderOffset,
    ushort SectionHeaderSize,
    ushort SectionHeaderCount,
    ushort SectionNameIndex,
    ushort Machine = 0)
{
    public const int Size = 64;
    public const ushort MachineX86_64 = 62;

    /// <summary>Reads a little-endian ELF64 header; <paramref name="error"/> says what is wrong otherwise.</summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out ElfHeader header, out string? error)
    {
        header = default;
        if (data.Length < Size || data[0] != 0x7F || data[1] != (byte)'E' || data[2] != (byte)'L' || data[3] != (byte)'F')
        {
            error = "not an ELF file";
            return false;
        }

        if (data[4] != 2)
        {
            error = "not a 64-bit ELF file";
            return false;
        }

        if (data[5] != 1)
        {
            error = "big-endian ELF files are not supported";
            return false;
        }

        header = new ElfHeader(
            Type: BinaryPrimitives.ReadUInt16LittleEndian(data[16..]),
            ProgramHeaderOffset: BinaryPrimitives.ReadUInt64LittleEndian(data[32..]),
            ProgramHeaderSize: BinaryPrimitives.ReadUInt16LittleEndian(data[54..]),
            ProgramHeaderCount: BinaryPrimitives.ReadUInt16LittleEndian(data[56..]),
            SectionHeaderOffset: BinaryPrimitives.ReadUInt64LittleEndian(data[40..]),
            SectionHeaderSize: BinaryPrimitives.ReadUInt16LittleEndian(data[58..]),
            SectionHeaderCount: BinaryPrimitives.ReadUInt16LittleEndian(data[60..]),
            SectionNameIndex: BinaryPrimitives.ReadUInt16LittleEndian(data[62..]),
            Machine: BinaryPrimitives.ReadUInt16LittleEndian(data[18..]));
        error = null;
        return true;
    }
}

/// <summary>An ELF64 program header (segment).</summary>
internal readonly record struct ElfProgramHeader(uint Type, uint Flags, ulong Offset, ulong VirtualAddress, ulong FileSize, ulong MemorySize)
{
    public const int Size = 56;
    public const uint PtLoad = 1;
    public const uint PtNote = 4;
    public const uint FlagExecute = 1;

    public static ElfProgramHeader Parse(ReadOnlySpan<byte> data) => new(
        Type: BinaryPrimitives.ReadUInt32LittleEndian(data),
        Flags: BinaryPrimitives.ReadUInt32LittleEndian(data[4..]),
        Offset: BinaryPrimitives.ReadUInt64LittleEndian(data[8..]),
        VirtualAddress: BinaryPrimitives.ReadUInt64LittleEndian(data[16..]),
        FileSize: BinaryPrimitives.ReadUInt64LittleEndian(data[32..]),
        MemorySize: BinaryPrimitives.ReadUInt64LittleEndian(data[40..]));
}

/// <summary>An ELF64 section header, with its name resolved.</summary>
internal readonly record struct ElfSection(string Name, uint Type, ulong Address, ulong Offset, ulong Size, uint Link, ulong EntrySize, ulong Flags = 0)
{
    public const int HeaderSize = 64;
    public const uint ShtSymtab = 2;
    public const uint ShtStrtab = 3;
    public const uint ShtNote = 7;
    public const uint ShtNobits = 8;
    public const uint ShtDynsym = 11;
    public const ulong ShfCompressed = 0x800;

    public static (uint NameOffset, ElfSection Section) Parse(ReadOnlySpan<byte> data) => (
        BinaryPrimitives.ReadUInt32LittleEndian(data),
        new ElfSection(
            Name: string.Empty,
            Type: BinaryPrimitives.ReadUInt32LittleEndian(data[4..]),
            Address: BinaryPrimitives.ReadUInt64LittleEndian(data[16..]),
            Offset: BinaryPrimitives.ReadUInt64LittleEndian(data[24..]),
            Size: BinaryPrimitives.ReadUInt64LittleEndian(data[32..]),
            Link: BinaryPrimitives.ReadUInt32LittleEndian(data[40..]),
            EntrySize: BinaryPrimitives.ReadUInt64LittleEndian(data[56..]),
            Flags: BinaryPrimitives.ReadUInt64LittleEndian(data[8..])));
}
