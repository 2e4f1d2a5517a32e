namespace SystemScope.Sources.Dotnet.Nettrace;

/// <summary>The header fields of one event blob, after decompression.</summary>
internal struct EventBlobHeader
{
    public int MetadataId;
    public uint Sequence;
    public long CaptureThreadId;
    public int Processor;
    public long ThreadId;
    public int StackId;
    public long Timestamp;
    public int PayloadSize;
    public bool Sorted;
}

/// <summary>
/// Decodes the rows of an EventBlock or MetadataBlock: the block header (size, flags, time range), then
/// event blobs, compressed (a flags byte saying which fields follow as LEB128 values, the others
/// repeating the previous row; the timestamp always as a delta; no padding) or not (fixed fields and
/// 4-byte alignment). Decoding state starts from zero in each block.
/// </summary>
internal readonly ref struct EventBlobDecoder(NettraceReader owner, bool isMetadata)
{
    private const byte HasMetadataId = 1;
    private const byte HasCaptureThreadAndSequence = 2;
    private const byte HasThreadId = 4;
    private const byte HasStackId = 8;
    private const byte HasActivityId = 16;
    private const byte HasRelatedActivityId = 32;
    private const byte IsSorted = 64;
    private const byte HasPayloadSize = 128;

    public void Decode(ReadOnlySpan<byte> block)
    {
        var reader = new PayloadReader(block);
        var headerSize = reader.I16();
        var flags = reader.I16();
        if (headerSize < 20 || headerSize > block.Length)
        {
            throw new NettraceFormatException($"block header of {headerSize} bytes");
        }

        reader.Position = headerSize;
        var compressed = (flags & 1) != 0;
        var previous = default(EventBlobHeader);
        while (!reader.AtEnd)
        {
            var header = compressed ? ReadCompressed(ref reader, previous) : ReadUncompressed(ref reader);
            var payload = reader.Bytes(header.PayloadSize);
            if (!compressed)
            {
                // Rows are 4-aligned; the block itself starts 4-aligned in the stream.
                reader.Position = Math.Min(block.Length, (reader.Position + 3) & ~3);
            }

            if (isMetadata)
            {
                owner.OnMetadata(payload);
            }
            else
            {
                owner.OnEvent(header, payload);
            }

            previous = header;
        }
    }

    private static EventBlobHeader ReadCompressed(ref PayloadReader reader, EventBlobHeader previous)
    {
        var header = previous;
        var flags = reader.U8();
        if ((flags & HasMetadataId) != 0)
        {
            header.MetadataId = (int)reader.VarUInt32();
        }

        if ((flags & HasCaptureThreadAndSequence) != 0)
        {
            header.Sequence = previous.Sequence + reader.VarUInt32();
            header.CaptureThreadId = (long)reader.VarUInt64();
            header.Processor = (int)reader.VarUInt32();
        }

        if (header.MetadataId != 0)
        {
            header.Sequence++;
        }

        if ((flags & HasThreadId) != 0)
        {
            header.ThreadId = (long)reader.VarUInt64();
        }

        if ((flags & HasStackId) != 0)
        {
            header.StackId = (int)reader.VarUInt32();
        }

        header.Timestamp = previous.Timestamp + (long)reader.VarUInt64();
        if ((flags & HasActivityId) != 0)
        {
            reader.Skip(16);
        }

        if ((flags & HasRelatedActivityId) != 0)
        {
            reader.Skip(16);
        }

        header.Sorted = (flags & IsSorted) != 0;
        if ((flags & HasPayloadSize) != 0)
        {
            header.PayloadSize = (int)reader.VarUInt32();
        }

        return header;
    }

    private static EventBlobHeader ReadUncompressed(ref PayloadReader reader)
    {
        _ = reader.I32(); // event size
        var metadataId = reader.U32();
        var header = new EventBlobHeader
        {
            MetadataId = (int)(metadataId & 0x7FFF_FFFF),
            Sorted = (metadataId & 0x8000_0000) != 0,
            Sequence = reader.U32(),
            ThreadId = reader.I64(),
            CaptureThreadId = reader.I64(),
            Processor = reader.I32(),
            StackId = reader.I32(),
            Timestamp = reader.I64(),
        };
        reader.Skip(32); // activity and related activity ids
        header.PayloadSize = reader.I32();
        return header;
    }
}
