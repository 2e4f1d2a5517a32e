using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SystemScope.Core.Events.BlockIo;
using SystemScope.Sources.Kit;

namespace SystemScope.Sources.BlockIo;

/// <summary>The log2 µs buckets of a latency histogram (BLOCKIO_LATENCY_BUCKETS).</summary>
[InlineArray(BlockIoSchema.LatencyBuckets)]
internal struct BlockLatencyBuckets
{
    private ulong _first;
}

/// <summary>The log2 byte buckets of a size histogram (BLOCKIO_SIZE_BUCKETS).</summary>
[InlineArray(BlockIoSchema.SizeBuckets)]
internal struct BlockSizeBuckets
{
    private ulong _first;
}

/// <summary>struct blockio_key (bpf/blockio.h): one device, process, cgroup and operation.</summary>
[StructLayout(LayoutKind.Explicit, Size = 24)]
internal struct BlockIoKey
{
    [FieldOffset(0)] public uint Dev;
    [FieldOffset(4)] public uint Tgid;
    [FieldOffset(8)] public ulong Cgroup;
    [FieldOffset(16)] public uint Op;

    public static readonly RecordLayout<BlockIoKey> Layout = RecordLayout<BlockIoKey>.Of("blockio_key")
        .Member("dev", static (ref BlockIoKey k) => ref k.Dev)
        .Member("tgid", static (ref BlockIoKey k) => ref k.Tgid)
        .Member("cgroup", static (ref BlockIoKey k) => ref k.Cgroup)
        .Member("op", static (ref BlockIoKey k) => ref k.Op);
}

/// <summary>struct blockio_stats: requests completed in a window, with their latency split and sizes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct BlockIoValue
{
    public ulong Count;
    public ulong Bytes;
    public ulong Sequential;
    public ulong Errors;
    public ulong TotalSumNs;
    public ulong QueueSumNs;
    public ulong DeviceSumNs;
    public ulong TotalMaxNs;
    public ulong QueueMaxNs;
    public ulong DeviceMaxNs;
    public BlockLatencyBuckets Total;
    public BlockLatencyBuckets Queue;
    public BlockLatencyBuckets Device;
    public BlockSizeBuckets Size;
    public Comm16 Comm;

    public static readonly RecordLayout<BlockIoValue> Layout = RecordLayout<BlockIoValue>.Of("blockio_stats")
        .Member("count", static (ref BlockIoValue v) => ref v.Count)
        .Member("bytes", static (ref BlockIoValue v) => ref v.Bytes)
        .Member("sequential", static (ref BlockIoValue v) => ref v.Sequential)
        .Member("errors", static (ref BlockIoValue v) => ref v.Errors)
        .Member("total_sum_ns", static (ref BlockIoValue v) => ref v.TotalSumNs)
        .Member("queue_sum_ns", static (ref BlockIoValue v) => ref v.QueueSumNs)
        .Member("device_sum_ns", static (ref BlockIoValue v) => ref v.DeviceSumNs)
        .Member("total_max_ns", static (ref BlockIoValue v) => ref v.TotalMaxNs)
        .Member("queue_max_ns", static (ref BlockIoValue v) => ref v.QueueMaxNs)
        .Member("device_max_ns", static (ref BlockIoValue v) => ref v.DeviceMaxNs)
        .Member("total", static (ref BlockIoValue v) => ref v.Total)
        .Member("queue", static (ref BlockIoValue v) => ref v.Queue)
        .Member("device", static (ref BlockIoValue v) => ref v.Device)
        .Member("size", static (ref BlockIoValue v) => ref v.Size)
        .Member("comm", static (ref BlockIoValue v) => ref v.Comm);
}

/// <summary>struct blockio_slow: a request slower than the threshold, streamed for the timeline.</summary>
[StructLayout(LayoutKind.Explicit, Size = 88)]
internal struct BlockIoSlowRecord
{
    [FieldOffset(0)] public ulong StartNs;
    [FieldOffset(8)] public ulong QueueNs;
    [FieldOffset(16)] public ulong DeviceNs;
    [FieldOffset(24)] public ulong Sector;
    [FieldOffset(32)] public ulong UserStack;
    [FieldOffset(40)] public ulong KernelStack;
    [FieldOffset(48)] public uint Bytes;
    [FieldOffset(52)] public uint Dev;
    [FieldOffset(56)] public uint Tgid;
    [FieldOffset(60)] public uint Tid;
    [FieldOffset(64)] public uint Op;
    [FieldOffset(68)] public int Error;
    [FieldOffset(72)] public Comm16 Comm;

    public static readonly RecordLayout<BlockIoSlowRecord> Layout = RecordLayout<BlockIoSlowRecord>.Of("blockio_slow")
        .Member("start_ns", static (ref BlockIoSlowRecord r) => ref r.StartNs)
        .Member("queue_ns", static (ref BlockIoSlowRecord r) => ref r.QueueNs)
        .Member("device_ns", static (ref BlockIoSlowRecord r) => ref r.DeviceNs)
        .Member("sector", static (ref BlockIoSlowRecord r) => ref r.Sector)
        .Member("user_stack", static (ref BlockIoSlowRecord r) => ref r.UserStack)
        .Member("kernel_stack", static (ref BlockIoSlowRecord r) => ref r.KernelStack)
        .Member("bytes", static (ref BlockIoSlowRecord r) => ref r.Bytes)
        .Member("dev", static (ref BlockIoSlowRecord r) => ref r.Dev)
        .Member("tgid", static (ref BlockIoSlowRecord r) => ref r.Tgid)
        .Member("tid", static (ref BlockIoSlowRecord r) => ref r.Tid)
        .Member("op", static (ref BlockIoSlowRecord r) => ref r.Op)
        .Member("error", static (ref BlockIoSlowRecord r) => ref r.Error)
        .Member("comm", static (ref BlockIoSlowRecord r) => ref r.Comm);
}

/// <summary>enum blockio_op: the same order as <see cref="BlockIoOp"/>.</summary>
internal enum BlockIoOpCode : uint
{
    Read = 0,
    Write = 1,
    Flush = 2,
    Discard = 3,
    Other = 4,
}

/// <summary>bpf/blockio.bpf.c as the block I/O source sees it.</summary>
internal static class BlockIoSchema
{
    public const int LatencyBuckets = 27;
    public const int SizeBuckets = 32;

    public static readonly ObjectSchema Object = new("blockio.bpf.o");

    public static readonly MapRef<BlockIoKey, BlockIoValue> Stats0 = Object.Map<BlockIoKey, BlockIoValue>("stats_0", BlockIoKey.Layout, BlockIoValue.Layout);
    public static readonly MapRef<BlockIoKey, BlockIoValue> Stats1 = Object.Map<BlockIoKey, BlockIoValue>("stats_1", BlockIoKey.Layout, BlockIoValue.Layout);
    public static readonly MapRef<uint, byte> WantedDevices = Object.Map<uint, byte>("wanted_devices", ScalarLayout.U32, ScalarLayout.U8);
    public static readonly MapRef<ulong, StackRecord> Stacks = Object.Map<ulong, StackRecord>("stacks", ScalarLayout.U64, StackRecord.Layout);
    public static readonly MapRef Inflight = Object.Map("inflight");
    public static readonly MapRef Slow = Object.Map("slow");

    public static readonly ConstantRef<ulong> SlowNs = Object.Constant<ulong>("slow_ns");
    public static readonly ConstantRef<uint> SlowCapPerCpu = Object.Constant<uint>("slow_cap_per_cpu");
    public static readonly ConstantRef<bool> CaptureStacks = Object.Constant<bool>("capture_stacks");
    public static readonly ConstantRef<bool> FilterDevices = Object.Constant<bool>("filter_devices");

    public static readonly ProgramVariant TpBtf = Object.Variant(
        "tp_btf/block_rq_issue",
        Object.Program("io_start_btf"), Object.Program("rq_insert_btf"), Object.Program("rq_issue_btf"), Object.Program("rq_complete_btf"), Object.Program("io_done_btf"));

    public static readonly ProgramVariant RawTracepoint = Object.Variant(
        "raw_tp/block_rq_issue",
        Object.Program("io_start_raw"), Object.Program("rq_insert_raw"), Object.Program("rq_issue_raw"), Object.Program("rq_complete_raw"), Object.Program("io_done_raw"));

    static BlockIoSchema()
    {
        Object.Counters("blockio_counter");
        Object.Record(BlockIoSlowRecord.Layout);
        Object.Enum<BlockIoOpCode>("blockio_op", "BLOCKIO_OP_");
    }

    public static MapRef<BlockIoKey, BlockIoValue> Stats(int slot) => slot == 0 ? Stats0 : Stats1;

    public static BlockIoOp OpOf(uint op) => op <= (uint)BlockIoOpCode.Other ? (BlockIoOp)op : BlockIoOp.Other;
}
