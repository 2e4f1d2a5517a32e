namespace SystemScope.Symbols.Runtimes.ReadyToRun;

/// <summary>
/// The runtime's NativeFormat hashtable (InstanceMethodEntryPoints): a header byte (bucket count as
/// a power of two, bucket index entry size), a bucket index, and per bucket entries of a low hash
/// byte and a signed relative offset to the entry's data. Only enumeration is needed here.
/// </summary>
internal static class NativeHashtable
{
    /// <summary>The RVA of every entry's data, bucket by bucket.</summary>
    public static List<uint> Entries(RvaImage image, uint rva)
    {
        var header = image.ReadByte(rva);
        var baseRva = rva + 1;
        var bucketShift = header >> 2;
        var indexSize = header & 3;
        if (bucketShift > 24 || indexSize > 2)
        {
            throw new BadImageFormatException($"NativeHashtable at RVA 0x{rva:x}: header 0x{header:x2}");
        }

        var entries = new List<uint>();
        var buckets = 1u << bucketShift;
        for (var bucket = 0u; bucket < buckets; bucket++)
        {
            var (start, end) = indexSize switch
            {
                0 => ((uint)image.ReadByte(baseRva + bucket), (uint)image.ReadByte(baseRva + bucket + 1)),
                1 => ((uint)image.ReadUInt16(baseRva + (2 * bucket)), (uint)image.ReadUInt16(baseRva + (2 * bucket) + 2)),
                _ => (image.ReadUInt32(baseRva + (4 * bucket)), image.ReadUInt32(baseRva + (4 * bucket) + 4)),
            };
            var at = baseRva + start;
            var stop = baseRva + end;
            while (at < stop)
            {
                at++; // the low byte of the entry's hash code
                var position = at;
                at = DecodeSigned(image, at, out var delta);
                entries.Add((uint)(position + delta));
            }
        }

        return entries;
    }

    /// <summary>NativeFormat signed variable-length integer (the top byte is sign-extended).</summary>
    public static uint DecodeSigned(RvaImage image, uint rva, out int value)
    {
        int first = image.ReadByte(rva);
        if ((first & 1) == 0)
        {
            value = (sbyte)first >> 1;
            return rva + 1;
        }

        if ((first & 2) == 0)
        {
            value = (first >> 2) | ((sbyte)image.ReadByte(rva + 1) << 6);
            return rva + 2;
        }

        if ((first & 4) == 0)
        {
            value = (first >> 3) | (image.ReadByte(rva + 1) << 5) | ((sbyte)image.ReadByte(rva + 2) << 13);
            return rva + 3;
        }

        if ((first & 8) == 0)
        {
            value = (first >> 4) | (image.ReadByte(rva + 1) << 4) | (image.ReadByte(rva + 2) << 12) | ((sbyte)image.ReadByte(rva + 3) << 20);
            return rva + 4;
        }

        if ((first & 16) == 0)
        {
            value = (int)image.ReadUInt32(rva + 1);
            return rva + 5;
        }

        throw new BadImageFormatException($"bad NativeFormat signed integer at RVA 0x{rva:x}");
    }
}
