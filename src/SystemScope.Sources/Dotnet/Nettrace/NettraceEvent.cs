namespace SystemScope.Sources.Dotnet.Nettrace;

/// <summary>
/// One event as the reader decoded it: its type, the thread it describes, its time (CLOCK_MONOTONIC
/// ns on Linux), its stack (return addresses, leaf first; empty when none) and its payload. The
/// payload and stack are valid during the handler's call only.
/// </summary>
internal readonly ref struct NettraceEvent(
    NettraceMetadata metadata,
    long threadId,
    long timestampNs,
    ReadOnlySpan<ulong> stack,
    ReadOnlySpan<byte> payload,
    int pointerSize)
{
    public NettraceMetadata Metadata { get; } = metadata;

    public long ThreadId { get; } = threadId;

    public long TimestampNs { get; } = timestampNs;

    public ReadOnlySpan<ulong> Stack { get; } = stack;

    public ReadOnlySpan<byte> Payload { get; } = payload;

    public int PointerSize { get; } = pointerSize;
}

/// <summary>Receives what a <see cref="NettraceReader"/> decodes, on the reader's thread, in stream order.</summary>
internal interface INettraceHandler
{
    /// <summary>The trace object: the process, its pointer size, when the trace began.</summary>
    void OnTrace(NettraceHeader header)
    {
    }

    void OnEvent(in NettraceEvent e);

    /// <summary>Every event before <paramref name="timestampNs"/> has been delivered (a sequence point or a sorted event).</summary>
    void OnProgress(long timestampNs)
    {
    }
}

/// <summary>The trace object's fields that matter here.</summary>
internal readonly record struct NettraceHeader(int ProcessId, int PointerSize, long TicksPerSecond, long StartTicks, int FormatVersion);
