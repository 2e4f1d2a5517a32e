namespace SystemScope.Sources.Dotnet.Nettrace;

/// <summary>
/// What one metadata record says about an event type: provider, id, name, version, and the payload's
/// field layout when the provider describes it (EventSource events do; the runtime's own events come
/// with an empty name and no fields, and are decoded by id and version).
/// </summary>
internal sealed record NettraceMetadata(int Id, string Provider, int EventId, string Name, long Keywords, int Version, int Level, IReadOnlyList<NettraceField> Fields)
{
    public static NettraceMetadata Parse(ReadOnlySpan<byte> payload)
    {
        var reader = new PayloadReader(payload);
        var id = reader.I32();
        var provider = reader.Utf16();
        var eventId = reader.I32();
        var name = reader.Utf16();
        var keywords = reader.I64();
        var version = reader.I32();
        var level = reader.I32();
        IReadOnlyList<NettraceField> fields = [];
        if (reader.Remaining >= 4)
        {
            try
            {
                fields = NettraceField.ParseList(ref reader, depth: 0);
            }
            catch (NettraceFormatException)
            {
                // A layout this reader does not know (V2 parameters only): the event is still named, its fields unknown.
                fields = [];
            }
        }

        return new NettraceMetadata(id, provider, eventId, name, keywords, version, level, fields);
    }
}

/// <summary>One payload field: its name and type code (System.TypeCode; 1 = a nested object with its own fields).</summary>
internal sealed record NettraceField(string Name, int TypeCode, IReadOnlyList<NettraceField> Fields)
{
    public const int ObjectCode = 1;
    public const int StringCode = 18;

    public static IReadOnlyList<NettraceField> ParseList(ref PayloadReader reader, int depth)
    {
        if (depth > 8)
        {
            throw new NettraceFormatException("payload description nested deeper than 8 levels");
        }

        var count = reader.I32();
        if (count is < 0 or > 1024)
        {
            throw new NettraceFormatException($"payload description with {count} fields");
        }

        var fields = new NettraceField[count];
        for (var i = 0; i < count; i++)
        {
            var code = reader.I32();
            var nested = code == ObjectCode ? ParseList(ref reader, depth + 1) : [];
            fields[i] = new NettraceField(reader.Utf16(), code, nested);
        }

        return fields;
    }

    /// <summary>Bytes of a fixed-size field; -1 for strings and objects (variable).</summary>
    public int FixedSize() => TypeCode switch
    {
        3 => 4, // Boolean, as a 32-bit value
        4 or 7 or 8 => 2,
        5 or 6 => 1,
        9 or 10 or 13 => 4,
        11 or 12 or 14 or 16 => 8,
        15 or 17 => 16,
        _ => -1,
    };
}
