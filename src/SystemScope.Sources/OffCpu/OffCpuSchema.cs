using System.Runtime.InteropServices;
using SystemScope.Core.Events.Scheduler;
using SystemScope.Sources.Kit;

namespace SystemScope.Sources.OffCpu;

/// <summary>struct offcpu_key (bpf/offcpu.h): a thread blocked in one state at one pair of stacks, woken by one thread at its pair.</summary>
[StructLayout(LayoutKind.Explicit, Size = 56)]
internal struct OffCpuKey
{
    [FieldOffset(0)] public uint Tgid;
    [FieldOffset(4)] public uint Tid;
    [FieldOffset(8)] public uint State;
    [FieldOffset(12)] public uint WakerTgid;
    [FieldOffset(16)] public ulong UserStack;
    [FieldOffset(24)] public ulong KernelStack;
    [FieldOffset(32)] public ulong WakerUserStack;
    [FieldOffset(40)] public ulong WakerKernelStack;
    [FieldOffset(48)] public uint WakerTid;

    public static readonly RecordLayout<OffCpuKey> Layout = RecordLayout<OffCpuKey>.Of("offcpu_key")
        .Member("tgid", static (ref OffCpuKey k) => ref k.Tgid)
        .Member("tid", static (ref OffCpuKey k) => ref k.Tid)
        .Member("state", static (ref OffCpuKey k) => ref k.State)
        .Member("waker_tgid", static (ref OffCpuKey k) => ref k.WakerTgid)
        .Member("user_stack", static (ref OffCpuKey k) => ref k.UserStack)
        .Member("kernel_stack", static (ref OffCpuKey k) => ref k.KernelStack)
        .Member("waker_user_stack", static (ref OffCpuKey k) => ref k.WakerUserStack)
        .Member("waker_kernel_stack", static (ref OffCpuKey k) => ref k.WakerKernelStack)
        .Member("waker_tid", static (ref OffCpuKey k) => ref k.WakerTid);
}

/// <summary>struct offcpu_value: blocked and runnable time over some blocks, and the waker's name.</summary>
[StructLayout(LayoutKind.Explicit, Size = 40)]
internal struct OffCpuValue
{
    [FieldOffset(0)] public ulong BlockedNs;
    [FieldOffset(8)] public ulong RunnableNs;
    [FieldOffset(16)] public ulong Count;
    [FieldOffset(24)] public Comm16 WakerComm;

    public static readonly RecordLayout<OffCpuValue> Layout = RecordLayout<OffCpuValue>.Of("offcpu_value")
        .Member("blocked_ns", static (ref OffCpuValue v) => ref v.BlockedNs)
        .Member("runnable_ns", static (ref OffCpuValue v) => ref v.RunnableNs)
        .Member("count", static (ref OffCpuValue v) => ref v.Count)
        .Member("waker_comm", static (ref OffCpuValue v) => ref v.WakerComm);
}

/// <summary>struct offcpu_span: one long block, streamed for the timeline.</summary>
[StructLayout(LayoutKind.Explicit, Size = 96)]
internal struct OffCpuSpanRecord
{
    [FieldOffset(0)] public ulong StartNs;
    [FieldOffset(8)] public ulong BlockedNs;
    [FieldOffset(16)] public ulong RunnableNs;
    [FieldOffset(24)] public uint Tgid;
    [FieldOffset(28)] public uint Tid;
    [FieldOffset(32)] public uint State;
    [FieldOffset(36)] public uint WakerTgid;
    [FieldOffset(40)] public uint WakerTid;
    [FieldOffset(48)] public ulong UserStack;
    [FieldOffset(56)] public ulong KernelStack;
    [FieldOffset(64)] public ulong WakerUserStack;
    [FieldOffset(72)] public ulong WakerKernelStack;
    [FieldOffset(80)] public Comm16 WakerComm;

    public static readonly RecordLayout<OffCpuSpanRecord> Layout = RecordLayout<OffCpuSpanRecord>.Of("offcpu_span")
        .Member("start_ns", static (ref OffCpuSpanRecord r) => ref r.StartNs)
        .Member("blocked_ns", static (ref OffCpuSpanRecord r) => ref r.BlockedNs)
        .Member("runnable_ns", static (ref OffCpuSpanRecord r) => ref r.RunnableNs)
        .Member("tgid", static (ref OffCpuSpanRecord r) => ref r.Tgid)
        .Member("tid", static (ref OffCpuSpanRecord r) => ref r.Tid)
        .Member("state", static (ref OffCpuSpanRecord r) => ref r.State)
        .Member("waker_tgid", static (ref OffCpuSpanRecord r) => ref r.WakerTgid)
        .Member("waker_tid", static (ref OffCpuSpanRecord r) => ref r.WakerTid)
        .Member("user_stack", static (ref OffCpuSpanRecord r) => ref r.UserStack)
        .Member("kernel_stack", static (ref OffCpuSpanRecord r) => ref r.KernelStack)
        .Member("waker_user_stack", static (ref OffCpuSpanRecord r) => ref r.WakerUserStack)
        .Member("waker_kernel_stack", static (ref OffCpuSpanRecord r) => ref r.WakerKernelStack)
        .Member("waker_comm", static (ref OffCpuSpanRecord r) => ref r.WakerComm);
}

/// <summary>enum offcpu_state, as the kernel's __task_state_index decodes prev_state.</summary>
internal enum OffCpuState : uint
{
    Runnable = 1,
    Sleeping = 2,
    Blocked = 3,
    Other = 4,
}

/// <summary>bpf/offcpu.bpf.c as the off-CPU source sees it.</summary>
internal static class OffCpuSchema
{
    public static readonly ObjectSchema Object = new("offcpu.bpf.o");

    public static readonly MapRef<OffCpuKey, OffCpuValue> Counts0 = Object.Map<OffCpuKey, OffCpuValue>("counts_0", OffCpuKey.Layout, OffCpuValue.Layout);
    public static readonly MapRef<OffCpuKey, OffCpuValue> Counts1 = Object.Map<OffCpuKey, OffCpuValue>("counts_1", OffCpuKey.Layout, OffCpuValue.Layout);
    public static readonly MapRef<ulong, StackRecord> Stacks = Object.Map<ulong, StackRecord>("stacks", ScalarLayout.U64, StackRecord.Layout);
    public static readonly MapRef Spans = Object.Map("spans");

    public static readonly ConstantRef<ulong> MinBlockNs = Object.Constant<ulong>("min_block_ns");
    public static readonly ConstantRef<ulong> SpanMinNs = Object.Constant<ulong>("span_min_ns");
    public static readonly ConstantRef<uint> SpanCapPerCpu = Object.Constant<uint>("span_cap_per_cpu");
    public static readonly ConstantRef<uint> StateMask = Object.Constant<uint>("state_mask");
    public static readonly ConstantRef<bool> WakerStacks = Object.Constant<bool>("waker_stacks");
    public static readonly ConstantRef<uint> StackReuseMax = Object.Constant<uint>("stack_reuse_max");

    public static readonly ProgramVariant TpBtf = Object.Variant("tp_btf/sched_switch", Object.Program("offcpu_switch_btf"), Object.Program("offcpu_waking_btf"));
    public static readonly ProgramVariant RawTracepoint = Object.Variant("raw_tp/sched_switch", Object.Program("offcpu_switch_raw"), Object.Program("offcpu_waking_raw"));

    static OffCpuSchema()
    {
        Object.Counters("offcpu_counter");
        Object.Record(OffCpuSpanRecord.Layout);
        Object.Enum<OffCpuState>("offcpu_state", "OFFCPU_");
    }

    public static MapRef<OffCpuKey, OffCpuValue> Counts(int slot) => slot == 0 ? Counts0 : Counts1;

    public static SchedState StateOf(uint state) => (OffCpuState)state switch
    {
        OffCpuState.Runnable => SchedState.Runnable,
        OffCpuState.Sleeping => SchedState.Sleeping,
        OffCpuState.Blocked => SchedState.Blocked,
        _ => SchedState.Other,
    };
}
