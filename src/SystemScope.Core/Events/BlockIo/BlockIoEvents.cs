namespace SystemScope.Core.Events.BlockIo;

/// <summary>What a block request does.</summary>
public enum BlockIoOp : byte
{
    Read,
    Write,
    Flush,

    /// <summary>Discard, secure erase or write zeroes: blocks given back, no data moved.</summary>
    Discard,

    /// <summary>Zone management, driver-private commands.</summary>
    Other,
}

/// <summary>Names of <see cref="BlockIoOp"/> as tables and spans show them.</summary>
public static class BlockIoOps
{
    public static string Name(BlockIoOp op) => op switch
    {
        BlockIoOp.Read => "read",
        BlockIoOp.Write => "write",
        BlockIoOp.Flush => "flush",
        BlockIoOp.Discard => "discard",
        _ => "other",
    };
}

/// <summary>
/// One latency figure of block requests as a log2 histogram of µs (bucket 0 = [0, 1) µs, bucket k =
/// [2^(k-1), 2^k) µs, the last one open-ended), with the exact sum and maximum in ns.
/// </summary>
public readonly record struct BlockLatency(ReadOnlyMemory<long> Buckets, long SumNs, long MaxNs);

/// <summary>
/// Block requests of one process on one device, of one operation and cgroup, completed in a window
/// (aggregated in the kernel). The header's pid is the process that submitted them (kept by request
/// from its submission, since completions run in interrupt context), its cgroup id the cgroup of the
/// requests' bios (for writeback, the cgroup that dirtied the pages).
/// </summary>
/// <param name="Device">The device's name (<c>vda</c>, <c>nvme0n1p2</c>), or <c>major:minor</c> when it has none.</param>
/// <param name="Total">Queue plus device time.</param>
/// <param name="Queue">From insertion into the scheduler (or the block layer's accounting start when nothing was inserted) to the hand-over to the driver.</param>
/// <param name="Service">From the hand-over to the driver to the completion: the device's own time.</param>
/// <param name="Sizes">Request sizes as a log2 histogram of bytes (bucket k = [2^(k-1), 2^k) bytes).</param>
/// <param name="Sequential">Requests that began at the sector where the disk's previous request ended.</param>
public readonly record struct BlockIoStats(
    string Device,
    BlockIoOp Op,
    string ProcessName,
    string Cgroup,
    long Count,
    long Bytes,
    long Sequential,
    long Errors,
    BlockLatency Total,
    BlockLatency Queue,
    BlockLatency Service,
    ReadOnlyMemory<long> Sizes)
{
    public static readonly EventKind Kind = EventKind.Register("blockio.stats", Layer.BlockIo);
}

/// <summary>
/// The kind of the block layer's <see cref="Activity.ActivitySpan"/>s: a request slower than the
/// source's threshold, on the thread that submitted it, starting when it was queued.
/// </summary>
public static class BlockIoSpans
{
    public static readonly EventKind SlowRequest = EventKind.Register("blockio.slow", Layer.BlockIo);
}
