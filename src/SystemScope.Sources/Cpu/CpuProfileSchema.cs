using System.Runtime.InteropServices;
using SystemScope.Sources.Kit;

namespace SystemScope.Sources.Cpu;

/// <summary>struct cpu_count_key (bpf/cpu_profile.h): one thread with one pair of stacks (hash 0 = no stack).</summary>
[StructLayout(LayoutKind.Explicit, Size = 24)]
internal struct CpuCountKey
{
    [FieldOffset(0)] public uint Tgid;
    [FieldOffset(4)] public uint Tid;
    [FieldOffset(8)] public ulong UserStack;
    [FieldOffset(16)] public ulong KernelStack;

    public static readonly RecordLayout<CpuCountKey> Layout = RecordLayout<CpuCountKey>.Of("cpu_count_key")
        .Member("tgid", static (ref CpuCountKey k) => ref k.Tgid)
        .Member("tid", static (ref CpuCountKey k) => ref k.Tid)
        .Member("user_stack", static (ref CpuCountKey k) => ref k.UserStack)
        .Member("kernel_stack", static (ref CpuCountKey k) => ref k.KernelStack);
}

/// <summary>struct cpu_tick: one sample, streamed for the thread timeline; its stacks are in its slot's stacks map.</summary>
[StructLayout(LayoutKind.Explicit, Size = 40)]
internal struct CpuTick
{
    [FieldOffset(0)] public ulong TimestampNs;
    [FieldOffset(8)] public uint Tgid;
    [FieldOffset(12)] public uint Tid;
    [FieldOffset(16)] public uint Cpu;
    [FieldOffset(20)] public uint Slot;
    [FieldOffset(24)] public ulong UserStack;
    [FieldOffset(32)] public ulong KernelStack;

    public static readonly RecordLayout<CpuTick> Layout = RecordLayout<CpuTick>.Of("cpu_tick")
        .Member("timestamp_ns", static (ref CpuTick t) => ref t.TimestampNs)
        .Member("tgid", static (ref CpuTick t) => ref t.Tgid)
        .Member("tid", static (ref CpuTick t) => ref t.Tid)
        .Member("cpu", static (ref CpuTick t) => ref t.Cpu)
        .Member("slot", static (ref CpuTick t) => ref t.Slot)
        .Member("user_stack", static (ref CpuTick t) => ref t.UserStack)
        .Member("kernel_stack", static (ref CpuTick t) => ref t.KernelStack);
}

/// <summary>bpf/cpu_profile.bpf.c as the CPU source sees it.</summary>
internal static class CpuProfileSchema
{
    public static readonly ObjectSchema Object = new("cpu_profile.bpf.o");

    public static readonly MapRef<CpuCountKey, ulong> Counts0 = Object.Map<CpuCountKey, ulong>("counts_0", CpuCountKey.Layout, ScalarLayout.U64);
    public static readonly MapRef<CpuCountKey, ulong> Counts1 = Object.Map<CpuCountKey, ulong>("counts_1", CpuCountKey.Layout, ScalarLayout.U64);
    public static readonly MapRef<ulong, StackRecord> Stacks0 = Object.Map<ulong, StackRecord>("stacks_0", ScalarLayout.U64, StackRecord.Layout);
    public static readonly MapRef<ulong, StackRecord> Stacks1 = Object.Map<ulong, StackRecord>("stacks_1", ScalarLayout.U64, StackRecord.Layout);

    public static readonly MapRef Ticks = Object.Map("ticks");

    public static readonly ProgramRef Sample = Object.Program("cpu_sample");

    /// <summary>Stream samples one by one for the thread timeline.</summary>
    public static readonly ConstantRef<bool> StreamTicks = Object.Constant<bool>("stream_ticks");

    public static readonly ConstantRef<uint> TickCapPerCpu = Object.Constant<uint>("tick_cap_per_cpu");

    /// <summary>Keep samples of the idle task (pid 0).</summary>
    public static readonly ConstantRef<uint> IncludeIdle = Object.Constant<uint>("include_idle");

    static CpuProfileSchema()
    {
        Object.Counters("cpu_counter");
        Object.Record(CpuTick.Layout);
    }

    public static MapRef<CpuCountKey, ulong> Counts(int slot) => slot == 0 ? Counts0 : Counts1;

    public static MapRef<ulong, StackRecord> Stacks(int slot) => slot == 0 ? Stacks0 : Stacks1;
}
