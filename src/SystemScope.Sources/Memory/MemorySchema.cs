using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SystemScope.Sources.Kit;

namespace SystemScope.Sources.Memory;

/// <summary>struct mem_fault_key (bpf/memory.h): one thread, one pair of stacks (hash 0 = none), one kind of fault.</summary>
[StructLayout(LayoutKind.Explicit, Size = 32)]
internal struct FaultKey
{
    [FieldOffset(0)] public uint Tgid;
    [FieldOffset(4)] public uint Tid;
    [FieldOffset(8)] public ulong UserStack;
    [FieldOffset(16)] public ulong KernelStack;
    [FieldOffset(24)] public uint Major;

    public static readonly RecordLayout<FaultKey> Layout = RecordLayout<FaultKey>.Of("mem_fault_key")
        .Member("tgid", static (ref FaultKey k) => ref k.Tgid)
        .Member("tid", static (ref FaultKey k) => ref k.Tid)
        .Member("user_stack", static (ref FaultKey k) => ref k.UserStack)
        .Member("kernel_stack", static (ref FaultKey k) => ref k.KernelStack)
        .Member("major", static (ref FaultKey k) => ref k.Major);
}

/// <summary>The user frames a streamed record carries (MEM_SPAN_FRAMES).</summary>
[InlineArray(MemorySchema.SpanFrames)]
internal struct SpanFrames
{
    private ulong _first;
}

/// <summary>struct mem_record: a major fault or a stall of a thread, for the timeline.</summary>
[StructLayout(LayoutKind.Explicit, Size = 320)]
internal struct MemoryRecord
{
    [FieldOffset(0)] public ulong TimestampNs;
    [FieldOffset(8)] public ulong DurationNs;
    [FieldOffset(16)] public uint Kind;
    [FieldOffset(20)] public uint Tgid;
    [FieldOffset(24)] public uint Tid;
    [FieldOffset(28)] public uint UserLength;
    [FieldOffset(32)] public ulong Address;
    [FieldOffset(40)] public ulong Order;
    [FieldOffset(48)] public Comm16 Comm;
    [FieldOffset(64)] public SpanFrames UserIps;

    public static readonly RecordLayout<MemoryRecord> Layout = RecordLayout<MemoryRecord>.Of("mem_record")
        .Member("timestamp_ns", static (ref MemoryRecord r) => ref r.TimestampNs)
        .Member("duration_ns", static (ref MemoryRecord r) => ref r.DurationNs)
        .Member("kind", static (ref MemoryRecord r) => ref r.Kind)
        .Member("tgid", static (ref MemoryRecord r) => ref r.Tgid)
        .Member("tid", static (ref MemoryRecord r) => ref r.Tid)
        .Member("user_len", static (ref MemoryRecord r) => ref r.UserLength)
        .Member("address", static (ref MemoryRecord r) => ref r.Address)
        .Member("order", static (ref MemoryRecord r) => ref r.Order)
        .Member("comm", static (ref MemoryRecord r) => ref r.Comm)
        .Member("user_ips", static (ref MemoryRecord r) => ref r.UserIps);
}

/// <summary>struct mem_oom: the OOM killer chose a victim.</summary>
[StructLayout(LayoutKind.Explicit, Size = 104)]
internal struct OomRecord
{
    [FieldOffset(0)] public ulong TimestampNs;
    [FieldOffset(8)] public uint VictimTgid;
    [FieldOffset(12)] public uint TriggerTgid;
    [FieldOffset(16)] public ulong TotalVmPages;
    [FieldOffset(24)] public ulong AnonRssPages;
    [FieldOffset(32)] public ulong FileRssPages;
    [FieldOffset(40)] public ulong ShmemRssPages;
    [FieldOffset(48)] public ulong MemcgId;
    [FieldOffset(56)] public ulong LimitMemcgId;
    [FieldOffset(64)] public ulong LimitPages;
    [FieldOffset(72)] public ulong LimitUsagePages;
    [FieldOffset(80)] public int OomScoreAdj;
    [FieldOffset(84)] public uint Uid;
    [FieldOffset(88)] public Comm16 Comm;

    public static readonly RecordLayout<OomRecord> Layout = RecordLayout<OomRecord>.Of("mem_oom")
        .Member("timestamp_ns", static (ref OomRecord r) => ref r.TimestampNs)
        .Member("victim_tgid", static (ref OomRecord r) => ref r.VictimTgid)
        .Member("trigger_tgid", static (ref OomRecord r) => ref r.TriggerTgid)
        .Member("total_vm_pages", static (ref OomRecord r) => ref r.TotalVmPages)
        .Member("anon_rss_pages", static (ref OomRecord r) => ref r.AnonRssPages)
        .Member("file_rss_pages", static (ref OomRecord r) => ref r.FileRssPages)
        .Member("shmem_rss_pages", static (ref OomRecord r) => ref r.ShmemRssPages)
        .Member("memcg_id", static (ref OomRecord r) => ref r.MemcgId)
        .Member("limit_memcg_id", static (ref OomRecord r) => ref r.LimitMemcgId)
        .Member("limit_pages", static (ref OomRecord r) => ref r.LimitPages)
        .Member("limit_usage_pages", static (ref OomRecord r) => ref r.LimitUsagePages)
        .Member("oom_score_adj", static (ref OomRecord r) => ref r.OomScoreAdj)
        .Member("uid", static (ref OomRecord r) => ref r.Uid)
        .Member("comm", static (ref OomRecord r) => ref r.Comm);
}

/// <summary>struct mem_stall_total: stalls of one kind, cumulative, per CPU.</summary>
[StructLayout(LayoutKind.Explicit, Size = 16)]
internal struct StallTotal
{
    [FieldOffset(0)] public ulong Count;
    [FieldOffset(8)] public ulong TotalNs;

    public static readonly RecordLayout<StallTotal> Layout = RecordLayout<StallTotal>.Of("mem_stall_total")
        .Member("count", static (ref StallTotal t) => ref t.Count)
        .Member("total_ns", static (ref StallTotal t) => ref t.TotalNs);
}

/// <summary>enum mem_rec_kind.</summary>
internal enum MemoryRecordKind : uint
{
    MajorFault = 1,
    DirectReclaim = 2,
    MemcgReclaim = 3,
    Compaction = 4,
}

/// <summary>enum mem_stall_kind: the index of <see cref="MemorySchema.StallTotals"/>.</summary>
internal enum StallKind : uint
{
    DirectReclaim = 0,
    MemcgReclaim = 1,
    Compaction = 2,
    Max = 3,
}

/// <summary>bpf/memory.bpf.c as the memory source sees it.</summary>
internal static class MemorySchema
{
    public const int SpanFrames = 32;

    public static readonly ObjectSchema Object = new("memory.bpf.o");

    public static readonly MapRef<FaultKey, ulong> Faults0 = Object.Map<FaultKey, ulong>("faults_0", FaultKey.Layout, ScalarLayout.U64);
    public static readonly MapRef<FaultKey, ulong> Faults1 = Object.Map<FaultKey, ulong>("faults_1", FaultKey.Layout, ScalarLayout.U64);
    public static readonly MapRef<ulong, StackRecord> Stacks0 = Object.Map<ulong, StackRecord>("stacks_0", ScalarLayout.U64, StackRecord.Layout);
    public static readonly MapRef<ulong, StackRecord> Stacks1 = Object.Map<ulong, StackRecord>("stacks_1", ScalarLayout.U64, StackRecord.Layout);
    public static readonly MapRef<uint, StallTotal> StallTotals = Object.Map<uint, StallTotal>("stall_totals", ScalarLayout.U32, StallTotal.Layout);
    public static readonly MapRef Events = Object.Map("events");
    public static readonly MapRef Ooms = Object.Map("ooms");

    public static readonly ConstantRef<uint> RecordCapPerCpu = Object.Constant<uint>("record_cap_per_cpu");
    public static readonly ConstantRef<bool> StreamMajor = Object.Constant<bool>("stream_major");

    /// <summary>perf_event programs: attached by the source to its page-fault events.</summary>
    public static readonly ProgramRef FaultMinor = Object.Program("fault_minor");
    public static readonly ProgramRef FaultMajor = Object.Program("fault_major");

    /// <summary>raw_tp programs for a tracepoint only kernels with CONFIG_COMPACTION have: attached where it exists.</summary>
    public static readonly ProgramRef CompactionBegin = Object.Program("compaction_begin");
    public static readonly ProgramRef CompactionEnd = Object.Program("compaction_end");

    public static readonly ProgramVariant TpBtf = Object.Variant(
        "tp_btf/mm_vmscan_direct_reclaim_begin",
        Object.Program("direct_reclaim_begin_btf"), Object.Program("direct_reclaim_end_btf"),
        Object.Program("memcg_reclaim_begin_btf"), Object.Program("memcg_reclaim_end_btf"), Object.Program("mark_victim_btf"));

    public static readonly ProgramVariant RawTracepoint = Object.Variant(
        "raw_tp/mm_vmscan_direct_reclaim_begin",
        Object.Program("direct_reclaim_begin_raw"), Object.Program("direct_reclaim_end_raw"),
        Object.Program("memcg_reclaim_begin_raw"), Object.Program("memcg_reclaim_end_raw"), Object.Program("mark_victim_raw"));

    static MemorySchema()
    {
        Object.Counters("mem_counter");
        Object.Record(MemoryRecord.Layout);
        Object.Record(OomRecord.Layout);
        Object.Enum<MemoryRecordKind>("mem_rec_kind", "MEM_REC_");
        Object.Enum<StallKind>("mem_stall_kind", "MEM_STALL_");
    }

    public static MapRef<FaultKey, ulong> Faults(int slot) => slot == 0 ? Faults0 : Faults1;

    public static MapRef<ulong, StackRecord> Stacks(int slot) => slot == 0 ? Stacks0 : Stacks1;
}
