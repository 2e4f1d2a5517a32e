using System.Buffers.Binary;
using System.Reflection.PortableExecutable;

namespace SystemScope.Symbols.Runtimes.ReadyToRun;

/// <summary>
/// A PE file's bytes addressed by RVA, as the runtime sees the image once mapped: every read goes
/// through the section that holds the RVA. Reads outside any section throw <see cref="BadImageFormatException"/>.
/// </summary>
internal sealed class RvaImage(byte[] file, IReadOnlyList<SectionHeader> sections)
{
    public IReadOnlyList<SectionHeader> Sections => sections;

    public int ToFileOffset(uint rva, int length = 1)
    {
        foreach (var section in sections)
        {
            var start = (uint)section.VirtualAddress;
            var size = (uint)Math.Min(section.SizeOfRawData, Math.Max(section.VirtualSize, 0));
            if (rva >= start && rva - start + (uint)length <= size)
            {
                var offset = (long)section.PointerToRawData + (rva - start);
                if (offset + length <= file.Length)
                {
                    return (int)offset;
                }
            }
        }

        throw new BadImageFormatException($"RVA 0x{rva:x} (+{length}) lies in no section of the file");
    }

    public byte ReadByte(uint rva) => file[ToFileOffset(rva)];

    public ushort ReadUInt16(uint rva) => BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(ToFileOffset(rva, 2), 2));

    public uint ReadUInt32(uint rva) => BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(ToFileOffset(rva, 4), 4));

    public ReadOnlySpan<byte> Slice(uint rva, int length) => file.AsSpan(ToFileOffset(rva, length), length);

    /// <summary>
    /// The runtime's NativeFormat variable-length unsigned integer at <paramref name="rva"/>; returns the RVA after it.
    /// The low bits of the first byte say how many bytes follow (0 → 1 byte, 01 → 2, 011 → 3, 0111 → 4, 01111 → 5).
    /// </summary>
    public uint DecodeUnsigned(uint rva, out uint value)
    {
        uint first = ReadByte(rva);
        if ((first & 1) == 0)
        {
            value = first >> 1;
            return rva + 1;
        }

        if ((first & 2) == 0)
        {
            value = (first >> 2) | ((uint)ReadByte(rva + 1) << 6);
            return rva + 2;
        }

        if ((first & 4) == 0)
        {
            value = (first >> 3) | ((uint)ReadByte(rva + 1) << 5) | ((uint)ReadByte(rva + 2) << 13);
            return rva + 3;
        }

        if ((first & 8) == 0)
        {
            value = (first >> 4) | ((uint)ReadByte(rva + 1) << 4) | ((uint)ReadByte(rva + 2) << 12) | ((uint)ReadByte(rva + 3) << 20);
            return rva + 4;
        }

        if ((first & 16) == 0)
        {
            value = ReadUInt32(rva + 1);
            return rva + 5;
        }

        throw new BadImageFormatException($"bad NativeFormat integer at RVA 0x{rva:x}");
    }
}
