using System.Buffers.Binary;
using System.Text;
using SystemScope.Symbols.Unwind;

namespace SystemScope.Symbols.Tests.Unwind;

/// <summary>
/// Writes .eh_frame / .debug_frame sections byte by byte, as the DWARF and LSB specifications lay
/// them out, for the encodings and instructions that compilers on this machine rarely emit.
/// </summary>
internal sealed class CfiAssembler(string section, ulong sectionAddress = CfiAssembler.EhFrameAddress)
{
    public const ulong EhFrameAddress = 0x2000;
    public const ulong GotAddress = 0x4000;

    /// <summary>The usual x86_64 initial rules: CFA = rsp + 8, return address at CFA-8.</summary>
    public static readonly byte[] X86Initial = [0x0C, 0x07, 0x08, 0x90, 0x01];

    private readonly List<byte> _bytes = [];

    private bool IsEhFrame => section == UnwindSection.EhFrame;

    public int Cie(string augmentation = "zR", byte[]? augmentationData = null, byte[]? instructions = null, bool is64 = false, byte version = 1)
    {
        var body = new List<byte> { version };
        body.AddRange(Encoding.ASCII.GetBytes(augmentation));
        body.Add(0);
        if (version == 4)
        {
            body.AddRange([8, 0]); // address size, segment selector size
        }

        body.AddRange(Uleb(1));
        body.AddRange(Sleb(-8));
        body.AddRange(version == 1 ? [16] : Uleb(16));
        if (augmentation.StartsWith('z'))
        {
            augmentationData ??= [0x03]; // 'R': udata4, absolute
            body.AddRange(Uleb((ulong)augmentationData.Length));
            body.AddRange(augmentationData);
        }

        body.AddRange(instructions ?? X86Initial);
        var cieId = IsEhFrame ? 0UL : is64 ? ulong.MaxValue : uint.MaxValue;
        return Entry(is64, _ => cieId, _ => body);
    }

    /// <summary>An FDE for [start, start + length) whose address and range are written in <paramref name="encoding"/>.</summary>
    public int Fde(int cie, ulong start, ulong length, byte[] instructions, byte encoding = 0x03, bool augmentationData = true, bool is64 = false) =>
        Entry(
            is64,
            idOffset => IsEhFrame ? (ulong)(idOffset - cie) : (ulong)cie,
            fieldsOffset =>
            {
                var body = new List<byte>();
                var fieldAddress = sectionAddress + (ulong)fieldsOffset;
                var baseAddress = (encoding & 0x70) switch { 0x10 => fieldAddress, 0x30 => GotAddress, _ => 0UL };
                body.AddRange(Encode(start - baseAddress, encoding));
                body.AddRange(Encode(length, (byte)(encoding & 0x0F)));
                if (augmentationData)
                {
                    body.Add(0);
                }

                body.AddRange(instructions);
                return body;
            });

    public void Raw(params byte[] bytes) => _bytes.AddRange(bytes);

    public UnwindSection Section(params (ulong Start, ulong End)[] plt) =>
        new(section, [.. _bytes], new PointerBases(sectionAddress, 0x1000, GotAddress), IsEhFrame ? 0 : 1, plt);

    public static byte[] Uleb(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value != 0 ? (byte)(b | 0x80) : b);
        }
        while (value != 0);
        return [.. bytes];
    }

    public static byte[] Sleb(long value)
    {
        var bytes = new List<byte>();
        while (true)
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            if ((value == 0 && (b & 0x40) == 0) || (value == -1 && (b & 0x40) != 0))
            {
                bytes.Add(b);
                return [.. bytes];
            }

            bytes.Add((byte)(b | 0x80));
        }
    }

    private static byte[] Encode(ulong value, byte encoding)
    {
        var bytes = new byte[8];
        switch (encoding & 0x0F)
        {
            case 0x01: return Uleb(value);
            case 0x09: return Sleb((long)value);
            case 0x02 or 0x0A: BinaryPrimitives.WriteUInt16LittleEndian(bytes, (ushort)value); return bytes[..2];
            case 0x03 or 0x0B: BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)value); return bytes[..4];
            default: BinaryPrimitives.WriteUInt64LittleEndian(bytes, value); return bytes;
        }
    }

    /// <summary>length, id (given where the id field is), then the body (given where it starts).</summary>
    private int Entry(bool is64, Func<int, ulong> id, Func<int, List<byte>> body)
    {
        var offset = _bytes.Count;
        var idOffset = offset + (is64 ? 12 : 4);
        var fieldsOffset = idOffset + (is64 ? 8 : 4);
        var content = body(fieldsOffset);
        var header = new byte[is64 ? 20 : 8];
        if (is64)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(header, uint.MaxValue);
            BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(4), (ulong)(content.Count + 8));
            BinaryPrimitives.WriteUInt64LittleEndian(header.AsSpan(12), id(idOffset));
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)(content.Count + 4));
            BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), (uint)id(idOffset));
        }

        _bytes.AddRange(header);
        _bytes.AddRange(content);
        return offset;
    }
}
