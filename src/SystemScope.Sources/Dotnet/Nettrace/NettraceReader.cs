using System.Text;

namespace SystemScope.Sources.Dotnet.Nettrace;

/// <summary>
/// A focused reader of the nettrace format (V4/V5: the "Nettrace" magic, the FastSerialization header,
/// then Trace, MetadataBlock, StackBlock, EventBlock and SPBlock objects, ended by a null tag) for a
/// stream read once, front to back: a live EventPipe session or a file. It keeps only what decoding
/// needs (metadata by id, the stacks since the last sequence point) and hands each event to a handler.
/// </summary>
internal sealed class NettraceReader(Stream stream, INettraceHandler handler)
{
    private const byte NullReferenceTag = 1;
    private const byte BeginPrivateObjectTag = 5;
    private const byte EndObjectTag = 6;
    private const int MaxBlockBytes = 64 << 20;

    private readonly Dictionary<int, NettraceMetadata> _metadata = [];
    private readonly Dictionary<int, ulong[]> _stacks = [];
    private readonly Dictionary<long, uint> _sequences = [];
    private readonly byte[] _one = new byte[1];
    private byte[] _buffer = new byte[64 << 10];
    private long _position;
    private NettraceHeader _header;

    public long Events { get; private set; }

    /// <summary>Events the runtime dropped (sequence gaps per capture thread).</summary>
    public long EventsLost { get; private set; }

    /// <summary>Events whose metadata was never defined (skipped).</summary>
    public long Unknown { get; private set; }

    public long Bytes => _position;

    /// <summary>Reads to the end of the stream. Throws <see cref="NettraceFormatException"/> on data it cannot read.</summary>
    public void Read()
    {
        Expect("Nettrace"u8, "the nettrace magic");
        var length = ReadInt32();
        if (length != 20)
        {
            throw new NettraceFormatException($"serialization header of {length} bytes, expected 20");
        }

        Expect("!FastSerialization.1"u8, "the FastSerialization header");
        while (ReadTag() is var tag && tag != NullReferenceTag)
        {
            if (tag != BeginPrivateObjectTag)
            {
                throw new NettraceFormatException($"tag {tag} at offset {_position - 1}, expected an object");
            }

            var (name, version) = ReadType();
            ReadBody(name, version);
            if (ReadTag() != EndObjectTag)
            {
                throw new NettraceFormatException($"object {name} does not end with the end tag at offset {_position - 1}");
            }
        }
    }

    private (string Name, int Version) ReadType()
    {
        if (ReadTag() != BeginPrivateObjectTag || ReadTag() != NullReferenceTag)
        {
            throw new NettraceFormatException($"object type expected at offset {_position - 2}");
        }

        var version = ReadInt32();
        _ = ReadInt32(); // minimum reader version
        var nameLength = ReadInt32();
        if (nameLength is < 1 or > 64)
        {
            throw new NettraceFormatException($"object type name of {nameLength} bytes");
        }

        var name = Encoding.UTF8.GetString(Fill(nameLength));
        if (ReadTag() != EndObjectTag)
        {
            throw new NettraceFormatException($"type {name} does not end with the end tag");
        }

        return (name, version);
    }

    private void ReadBody(string name, int version)
    {
        if (name == "Trace")
        {
            var reader = new PayloadReader(Fill(48));
            reader.Skip(16); // sync time as 8 UTC shorts
            var startTicks = reader.I64();
            var frequency = reader.I64();
            var pointerSize = reader.I32();
            var pid = reader.I32();
            _header = new NettraceHeader(pid, pointerSize, frequency <= 0 ? 1_000_000_000 : frequency, startTicks, version);
            handler.OnTrace(_header);
            return;
        }

        var size = ReadInt32();
        if (size < 0 || size > MaxBlockBytes)
        {
            throw new NettraceFormatException($"{name} of {size} bytes");
        }

        // Blocks start at a 4-aligned stream offset.
        var padding = (int)((4 - (_position & 3)) & 3);
        Fill(padding);
        var block = Fill(size);
        switch (name)
        {
            case "EventBlock":
                new EventBlobDecoder(this, isMetadata: false).Decode(block);
                break;
            case "MetadataBlock":
                new EventBlobDecoder(this, isMetadata: true).Decode(block);
                break;
            case "StackBlock":
                ReadStacks(block);
                break;
            case "SPBlock":
                ReadSequencePoint(block);
                break;
            default:
                // An object type of a newer format version: skipped whole.
                break;
        }
    }

    private void ReadStacks(ReadOnlySpan<byte> block)
    {
        var reader = new PayloadReader(block);
        var first = reader.I32();
        var count = reader.I32();
        var pointer = _header.PointerSize == 4 ? 4 : 8;
        for (var i = 0; i < count; i++)
        {
            var bytes = reader.I32();
            var data = reader.Bytes(bytes);
            var frames = new ulong[bytes / pointer];
            var frameReader = new PayloadReader(data);
            for (var f = 0; f < frames.Length; f++)
            {
                frames[f] = frameReader.Pointer(pointer);
            }

            _stacks[first + i] = frames;
        }
    }

    private void ReadSequencePoint(ReadOnlySpan<byte> block)
    {
        var reader = new PayloadReader(block);
        var timestamp = reader.I64();
        var threads = reader.I32();
        for (var i = 0; i < threads && reader.Remaining >= 12; i++)
        {
            var thread = reader.I64();
            var sequence = reader.U32();
            if (_sequences.TryGetValue(thread, out var seen) && sequence > seen)
            {
                EventsLost += sequence - seen;
            }

            _sequences[thread] = sequence;
        }

        // Stacks may be referred to only until the next sequence point.
        _stacks.Clear();
        handler.OnProgress(ToNs(timestamp));
    }

    internal void OnMetadata(ReadOnlySpan<byte> payload)
    {
        var metadata = NettraceMetadata.Parse(payload);
        _metadata[metadata.Id] = metadata;
    }

    internal void OnEvent(in EventBlobHeader header, ReadOnlySpan<byte> payload)
    {
        if (_sequences.TryGetValue(header.CaptureThreadId, out var last) && header.Sequence > last + 1 && header.Sequence != 1)
        {
            EventsLost += header.Sequence - last - 1;
        }

        _sequences[header.CaptureThreadId] = header.Sequence;
        if (!_metadata.TryGetValue(header.MetadataId, out var metadata))
        {
            Unknown++;
            return;
        }

        Events++;
        var stack = header.StackId != 0 && _stacks.TryGetValue(header.StackId, out var frames) ? frames : [];
        var timestamp = ToNs(header.Timestamp);
        handler.OnEvent(new NettraceEvent(metadata, header.ThreadId, timestamp, stack, payload, _header.PointerSize));
        if (header.Sorted)
        {
            handler.OnProgress(timestamp);
        }
    }

    private long ToNs(long ticks) => _header.TicksPerSecond == 1_000_000_000
        ? ticks
        : (long)((decimal)ticks * 1_000_000_000m / _header.TicksPerSecond);

    private void Expect(ReadOnlySpan<byte> expected, string what)
    {
        if (!Fill(expected.Length).SequenceEqual(expected))
        {
            throw new NettraceFormatException($"not a nettrace stream: {what} is missing at offset {_position - expected.Length}");
        }
    }

    private byte ReadTag()
    {
        if (stream.Read(_one, 0, 1) != 1)
        {
            throw new EndOfStreamException($"the stream ended at offset {_position} before its end tag");
        }

        _position++;
        return _one[0];
    }

    private int ReadInt32() => new PayloadReader(Fill(4)).I32();

    /// <summary>The next <paramref name="count"/> bytes; valid until the next read.</summary>
    private ReadOnlySpan<byte> Fill(int count)
    {
        if (_buffer.Length < count)
        {
            _buffer = new byte[Math.Max(count, _buffer.Length * 2)];
        }

        stream.ReadExactly(_buffer, 0, count);
        _position += count;
        return _buffer.AsSpan(0, count);
    }
}
