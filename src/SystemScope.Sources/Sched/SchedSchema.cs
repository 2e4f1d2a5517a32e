using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SystemScope.Sources.Kit;

namespace SystemScope.Sources.Sched;

/// <summary>The log2 µs buckets of a latency histogram (SCHED_LATENCY_BUCKETS).</summary>
[InlineArray(SchedSchema.Buckets)]
internal struct LatencyBuckets
{
    private ulong _first;
}

/// <summary>struct sched_latency_key (bpf/sched.h): which threads a histogram covers.</summary>
[StructLayout(LayoutKind.Explicit, Size = 16)]
internal struct LatencyKey
{
    [FieldOffset(0)] public uint Group;
    [FieldOffset(8)] public ulong Id;

    public static readonly RecordLayout<LatencyKey> Layout = RecordLayout<LatencyKey>.Of("sched_latency_key")
        .Member("group", static (ref LatencyKey k) => ref k.Group)
        .Member("id", static (ref LatencyKey k) => ref k.Id);
}

/// <summary>struct sched_latency: a log2 histogram of run-queue latency.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct LatencyHistogram
{
    public ulong Count;
    public ulong SumNs;
    public ulong MaxNs;
    public LatencyBuckets Buckets;

    public static readonly RecordLayout<LatencyHistogram> Layout = RecordLayout<LatencyHistogram>.Of("sched_latency")
        .Member("count", static (ref LatencyHistogram h) => ref h.Count)
        .Member("sum_ns", static (ref LatencyHistogram h) => ref h.SumNs)
        .Member("max_ns", static (ref LatencyHistogram h) => ref h.MaxNs)
        .Member("buckets", static (ref LatencyHistogram h) => ref h.Buckets);
}

/// <summary>struct sched_thread: one thread's switches and migrations in a window.</summary>
[StructLayout(LayoutKind.Explicit, Size = 48)]
internal struct ThreadCounts
{
    [FieldOffset(0)] public uint Tgid;
    [FieldOffset(8)] public ulong Voluntary;
    [FieldOffset(16)] public ulong Involuntary;
    [FieldOffset(24)] public ulong Migrations;
    [FieldOffset(32)] public Comm16 Comm;

    public static readonly RecordLayout<ThreadCounts> Layout = RecordLayout<ThreadCounts>.Of("sched_thread")
        .Member("tgid", static (ref ThreadCounts t) => ref t.Tgid)
        .Member("voluntary", static (ref ThreadCounts t) => ref t.Voluntary)
        .Member("involuntary", static (ref ThreadCounts t) => ref t.Involuntary)
        .Member("migrations", static (ref ThreadCounts t) => ref t.Migrations)
        .Member("comm", static (ref ThreadCounts t) => ref t.Comm);
}

/// <summary>struct sched_runq: a CPU's run-queue length integrated over time (cumulative).</summary>
[StructLayout(LayoutKind.Explicit, Size = 32)]
internal struct RunQueue
{
    [FieldOffset(0)] public ulong LastNs;
    [FieldOffset(8)] public ulong Area;
    [FieldOffset(16)] public uint LastLength;
    [FieldOffset(20)] public uint MaxLength;

    public static readonly RecordLayout<RunQueue> Layout = RecordLayout<RunQueue>.Of("sched_runq")
        .Member("last_ns", static (ref RunQueue q) => ref q.LastNs)
        .Member("area", static (ref RunQueue q) => ref q.Area)
        .Member("last_len", static (ref RunQueue q) => ref q.LastLength)
        .Member("max_len", static (ref RunQueue q) => ref q.MaxLength);
}

/// <summary>struct sched_record: a switch or a wakeup on the timeline stream.</summary>
[StructLayout(LayoutKind.Explicit, Size = 72)]
internal struct SchedRecord
{
    [FieldOffset(0)] public ulong TimestampNs;
    [FieldOffset(8)] public uint Kind;
    [FieldOffset(12)] public uint Cpu;
    [FieldOffset(16)] public uint PrevTgid;
    [FieldOffset(20)] public uint PrevTid;
    [FieldOffset(24)] public uint NextTgid;
    [FieldOffset(28)] public uint NextTid;
    [FieldOffset(32)] public uint PrevState;
    [FieldOffset(40)] public Comm16 PrevComm;
    [FieldOffset(56)] public Comm16 NextComm;

    public static readonly RecordLayout<SchedRecord> Layout = RecordLayout<SchedRecord>.Of("sched_record")
        .Member("timestamp_ns", static (ref SchedRecord r) => ref r.TimestampNs)
        .Member("kind", static (ref SchedRecord r) => ref r.Kind)
        .Member("cpu", static (ref SchedRecord r) => ref r.Cpu)
        .Member("prev_tgid", static (ref SchedRecord r) => ref r.PrevTgid)
        .Member("prev_tid", static (ref SchedRecord r) => ref r.PrevTid)
        .Member("next_tgid", static (ref SchedRecord r) => ref r.NextTgid)
        .Member("next_tid", static (ref SchedRecord r) => ref r.NextTid)
        .Member("prev_state", static (ref SchedRecord r) => ref r.PrevState)
        .Member("prev_comm", static (ref SchedRecord r) => ref r.PrevComm)
        .Member("next_comm", static (ref SchedRecord r) => ref r.NextComm);
}

/// <summary>enum sched_latency_group.</summary>
internal enum LatencyGroupKind : uint
{
    All = 0,
    Process = 1,
    Cgroup = 2,
}

/// <summary>enum sched_rec_kind.</summary>
internal enum SchedRecKind : uint
{
    Switch = 1,
    Wakeup = 2,
}

/// <summary>bpf/sched.bpf.c as the scheduler source sees it.</summary>
internal static class SchedSchema
{
    public const int Buckets = 27;

    public static readonly ObjectSchema Object = new("sched.bpf.o");

    public static readonly MapRef<LatencyKey, LatencyHistogram> Latency0 = Object.Map<LatencyKey, LatencyHistogram>("latency_0", LatencyKey.Layout, LatencyHistogram.Layout);
    public static readonly MapRef<LatencyKey, LatencyHistogram> Latency1 = Object.Map<LatencyKey, LatencyHistogram>("latency_1", LatencyKey.Layout, LatencyHistogram.Layout);
    public static readonly MapRef<uint, ThreadCounts> Threads0 = Object.Map<uint, ThreadCounts>("threads_0", ScalarLayout.U32, ThreadCounts.Layout);
    public static readonly MapRef<uint, ThreadCounts> Threads1 = Object.Map<uint, ThreadCounts>("threads_1", ScalarLayout.U32, ThreadCounts.Layout);
    public static readonly MapRef<uint, RunQueue> RunQueues = Object.Map<uint, RunQueue>("runq", ScalarLayout.U32, RunQueue.Layout);
    public static readonly MapRef Timeline = Object.Map("timeline");

    public static readonly ConstantRef<bool> StreamTimeline = Object.Constant<bool>("stream_timeline");
    public static readonly ConstantRef<uint> RecordCapPerCpu = Object.Constant<uint>("record_cap_per_cpu");
    public static readonly ConstantRef<bool> PerCgroup = Object.Constant<bool>("per_cgroup");

    public static readonly ProgramVariant TpBtf = Object.Variant(
        "tp_btf/sched_switch",
        Object.Program("sched_switch_btf"), Object.Program("sched_wakeup_btf"), Object.Program("sched_wakeup_new_btf"), Object.Program("sched_waking_btf"), Object.Program("sched_migrate_btf"));

    public static readonly ProgramVariant RawTracepoint = Object.Variant(
        "raw_tp/sched_switch",
        Object.Program("sched_switch_raw"), Object.Program("sched_wakeup_raw"), Object.Program("sched_wakeup_new_raw"), Object.Program("sched_waking_raw"), Object.Program("sched_migrate_raw"));

    static SchedSchema()
    {
        Object.Counters("sched_counter");
        Object.Record(SchedRecord.Layout);
        Object.Enum<LatencyGroupKind>("sched_latency_group", "SCHED_GROUP_");
        Object.Enum<SchedRecKind>("sched_rec_kind", "SCHED_REC_");
    }

    public static MapRef<LatencyKey, LatencyHistogram> Latency(int slot) => slot == 0 ? Latency0 : Latency1;

    public static MapRef<uint, ThreadCounts> Threads(int slot) => slot == 0 ? Threads0 : Threads1;
}
