using System.Buffers.Binary;

namespace SystemScope.Symbols.Unwind;

/// <summary>
/// Reads DWARF's little-endian fields and LEB128 numbers from a section, never past
/// <see cref="End"/>: every read says whether the field was there.
/// </summary>
internal ref struct DwarfCursor
{
    private readonly ReadOnlySpan<byte> _data;

    public DwarfCursor(ReadOnlySpan<byte> data, int position, int end)
    {
        _data = data;
        Position = position;
        End = Math.Min(end, data.Length);
    }

    public int Position { get; private set; }

    public int End { get; }

    public readonly int Remaining => End - Position;

    public readonly ReadOnlySpan<byte> Data => _data;

    public bool TryU8(out byte value)
    {
        if (Position >= End)
        {
            value = 0;
            return false;
        }

        value = _data[Position++];
        return true;
    }

    public bool TryU16(out ushort value)
    {
        value = Remaining >= 2 ? BinaryPrimitives.ReadUInt16LittleEndian(_data[Position..]) : (ushort)0;
        return Advance(2);
    }

    public bool TryU32(out uint value)
    {
        value = Remaining >= 4 ? BinaryPrimitives.ReadUInt32LittleEndian(_data[Position..]) : 0;
        return Advance(4);
    }

    public bool TryU64(out ulong value)
    {
        value = Remaining >= 8 ? BinaryPrimitives.ReadUInt64LittleEndian(_data[Position..]) : 0;
        return Advance(8);
    }

    /// <summary>A section offset or CIE id: 8 bytes in 64-bit DWARF, 4 otherwise.</summary>
    public bool TryOffset(bool is64, out ulong value)
    {
        if (is64)
        {
            return TryU64(out value);
        }

        var ok = TryU32(out var word);
        value = word;
        return ok;
    }

    /// <summary>Unsigned LEB128; bits beyond 64 are dropped (as binutils does).</summary>
    public bool TryUleb(out ulong value)
    {
        value = 0;
        for (var shift = 0; Position < End; shift += 7)
        {
            var b = _data[Position++];
            if (shift < 64)
            {
                value |= (ulong)(b & 0x7F) << shift;
            }

            if ((b & 0x80) == 0)
            {
                return true;
            }
        }

        return false;
    }

    public bool TrySleb(out long value)
    {
        value = 0;
        for (var shift = 0; Position < End; shift += 7)
        {
            var b = _data[Position++];
            if (shift < 64)
            {
                value |= (long)(b & 0x7F) << shift;
            }

            if ((b & 0x80) == 0)
            {
                if (shift + 7 < 64 && (b & 0x40) != 0)
                {
                    value |= -1L << (shift + 7);
                }

                return true;
            }
        }

        return false;
    }

    /// <summary>A NUL-terminated string, returned without the NUL.</summary>
    public bool TryCString(out ReadOnlySpan<byte> text)
    {
        var rest = _data[Position..End];
        var end = rest.IndexOf((byte)0);
        if (end < 0)
        {
            text = default;
            Position = End;
            return false;
        }

        text = rest[..end];
        Position += end + 1;
        return true;
    }

    public bool TrySkip(ulong count)
    {
        if (count > (ulong)Remaining)
        {
            Position = End;
            return false;
        }

        Position += (int)count;
        return true;
    }

    /// <summary>A block of <paramref name="length"/> bytes (a DWARF expression).</summary>
    public bool TryBlock(ulong length, out ReadOnlySpan<byte> block)
    {
        var start = Position;
        if (!TrySkip(length))
        {
            block = default;
            return false;
        }

        block = _data[start..Position];
        return true;
    }

    private bool Advance(int count)
    {
        if (Remaining < count)
        {
            Position = End;
            return false;
        }

        Position += count;
        return true;
    }
}
