using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace SystemScope.Sources.Dotnet.Nettrace;

/// <summary>
/// Reads little-endian fields from an event payload or a block, front to back. Reading past the end
/// throws <see cref="NettraceFormatException"/>: a short payload is a format error, never a crash.
/// </summary>
internal ref struct PayloadReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;

    public int Position { get; set; }

    public readonly int Remaining => _data.Length - Position;

    public readonly bool AtEnd => Position >= _data.Length;

    public byte U8() => Take(1)[0];

    public ushort U16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

    public short I16() => BinaryPrimitives.ReadInt16LittleEndian(Take(2));

    public uint U32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    public int I32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public ulong U64() => BinaryPrimitives.ReadUInt64LittleEndian(Take(8));

    public long I64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public float F32() => BinaryPrimitives.ReadSingleLittleEndian(Take(4));

    public double F64() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

    /// <summary>A pointer-sized value (4 or 8 bytes, as the trace says).</summary>
    public ulong Pointer(int size) => size == 4 ? U32() : U64();

    public void Skip(int bytes) => Take(bytes);

    public ReadOnlySpan<byte> Bytes(int count) => Take(count);

    /// <summary>A NUL-terminated UTF-16 string.</summary>
    public string Utf16()
    {
        var rest = MemoryMarshal.Cast<byte, char>(_data[Position..(Position + (Remaining & ~1))]);
        var end = rest.IndexOf('\0');
        if (end < 0)
        {
            throw new NettraceFormatException($"unterminated UTF-16 string at payload offset {Position}");
        }

        Position += (end + 1) * 2;
        return end == 0 ? string.Empty : new string(rest[..end]);
    }

    /// <summary>A LEB128 variable-length unsigned value (compressed event headers).</summary>
    public ulong VarUInt64()
    {
        ulong value = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            var b = U8();
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new NettraceFormatException($"variable-length integer longer than 10 bytes at offset {Position}");
    }

    public uint VarUInt32() => (uint)VarUInt64();

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > Remaining)
        {
            throw new NettraceFormatException($"needs {count} bytes at offset {Position}, {Remaining} left");
        }

        var span = _data.Slice(Position, count);
        Position += count;
        return span;
    }

    public static string Utf8(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);
}

/// <summary>The stream is not a nettrace stream this reader understands, or is cut or corrupt.</summary>
public sealed class NettraceFormatException(string message) : Exception(message);
