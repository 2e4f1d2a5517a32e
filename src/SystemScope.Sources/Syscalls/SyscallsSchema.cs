using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SystemScope.Sources.Kit;

namespace SystemScope.Sources.Syscalls;

/// <summary>The log2 ns buckets of a latency histogram (SYSCALL_LATENCY_BUCKETS).</summary>
[InlineArray(SyscallsSchema.Buckets)]
internal struct SyscallBuckets
{
    private ulong _first;
}

/// <summary>127 user frames of a slow call (struct syscall_slow.user_stack).</summary>
[InlineArray(127)]
internal struct SlowCallFrames
{
    private ulong _first;
}

/// <summary>struct syscall_key (bpf/syscalls.h).</summary>
[StructLayout(LayoutKind.Explicit, Size = 16)]
internal struct SyscallKey
{
    [FieldOffset(0)] public uint Tgid;
    [FieldOffset(4)] public uint Tid;
    [FieldOffset(8)] public uint Number;

    public static readonly RecordLayout<SyscallKey> Layout = RecordLayout<SyscallKey>.Of("syscall_key")
        .Member("tgid", static (ref SyscallKey k) => ref k.Tgid)
        .Member("tid", static (ref SyscallKey k) => ref k.Tid)
        .Member("nr", static (ref SyscallKey k) => ref k.Number);
}

/// <summary>struct syscall_stats.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct SyscallCounts
{
    public ulong Count;
    public ulong Errors;
    public ulong TotalNs;
    public ulong MaxNs;
    public SyscallBuckets Buckets;

    public static readonly RecordLayout<SyscallCounts> Layout = RecordLayout<SyscallCounts>.Of("syscall_stats")
        .Member("count", static (ref SyscallCounts s) => ref s.Count)
        .Member("errors", static (ref SyscallCounts s) => ref s.Errors)
        .Member("total_ns", static (ref SyscallCounts s) => ref s.TotalNs)
        .Member("max_ns", static (ref SyscallCounts s) => ref s.MaxNs)
        .Member("buckets", static (ref SyscallCounts s) => ref s.Buckets);
}

/// <summary>struct syscall_error_key.</summary>
[StructLayout(LayoutKind.Explicit, Size = 16)]
internal struct SyscallErrorKey
{
    [FieldOffset(0)] public uint Tgid;
    [FieldOffset(4)] public uint Number;
    [FieldOffset(8)] public uint Errno;

    public static readonly RecordLayout<SyscallErrorKey> Layout = RecordLayout<SyscallErrorKey>.Of("syscall_error_key")
        .Member("tgid", static (ref SyscallErrorKey k) => ref k.Tgid)
        .Member("nr", static (ref SyscallErrorKey k) => ref k.Number)
        .Member("err", static (ref SyscallErrorKey k) => ref k.Errno);
}

/// <summary>struct syscall_slow: a call that lasted at least the threshold, with its user stack.</summary>
[StructLayout(LayoutKind.Explicit, Size = 1072)]
internal struct SlowCall
{
    [FieldOffset(0)] public ulong StartNs;
    [FieldOffset(8)] public ulong DurationNs;
    [FieldOffset(16)] public ulong Arg0;
    [FieldOffset(24)] public long Return;
    [FieldOffset(32)] public uint Tgid;
    [FieldOffset(36)] public uint Tid;
    [FieldOffset(40)] public uint Number;
    [FieldOffset(44)] public uint UserLength;
    [FieldOffset(48)] public Comm16 Comm;
    [FieldOffset(64)] public SlowCallFrames UserStack;

    public static readonly RecordLayout<SlowCall> Layout = RecordLayout<SlowCall>.Of("syscall_slow")
        .Member("start_ns", static (ref SlowCall r) => ref r.StartNs)
        .Member("duration_ns", static (ref SlowCall r) => ref r.DurationNs)
        .Member("arg0", static (ref SlowCall r) => ref r.Arg0)
        .Member("ret", static (ref SlowCall r) => ref r.Return)
        .Member("tgid", static (ref SlowCall r) => ref r.Tgid)
        .Member("tid", static (ref SlowCall r) => ref r.Tid)
        .Member("nr", static (ref SlowCall r) => ref r.Number)
        .Member("user_len", static (ref SlowCall r) => ref r.UserLength)
        .Member("comm", static (ref SlowCall r) => ref r.Comm)
        .Member("user_stack", static (ref SlowCall r) => ref r.UserStack);
}

/// <summary>bpf/syscalls.bpf.c as the syscalls source sees it.</summary>
internal static class SyscallsSchema
{
    public const int Buckets = 40;

    public static readonly ObjectSchema Object = new("syscalls.bpf.o");

    public static readonly MapRef<SyscallKey, SyscallCounts> Calls0 = Object.Map<SyscallKey, SyscallCounts>("calls_0", SyscallKey.Layout, SyscallCounts.Layout);
    public static readonly MapRef<SyscallKey, SyscallCounts> Calls1 = Object.Map<SyscallKey, SyscallCounts>("calls_1", SyscallKey.Layout, SyscallCounts.Layout);
    public static readonly MapRef<SyscallErrorKey, ulong> Errors0 = Object.Map<SyscallErrorKey, ulong>("errors_0", SyscallErrorKey.Layout, ScalarLayout.U64);
    public static readonly MapRef<SyscallErrorKey, ulong> Errors1 = Object.Map<SyscallErrorKey, ulong>("errors_1", SyscallErrorKey.Layout, ScalarLayout.U64);
    public static readonly MapRef WantedNumbers = Object.Map("wanted_nrs");
    public static readonly MapRef Slow = Object.Map("slow");

    public static readonly ConstantRef<bool> PerThread = Object.Constant<bool>("per_thread");
    public static readonly ConstantRef<ulong> SlowNs = Object.Constant<ulong>("slow_ns");
    public static readonly ConstantRef<uint> SlowCapPerCpu = Object.Constant<uint>("slow_cap_per_cpu");
    public static readonly ConstantRef<bool> SlowStacks = Object.Constant<bool>("slow_stacks");
    public static readonly ConstantRef<bool> NumberFilter = Object.Constant<bool>("nr_filter");

    public static readonly ProgramVariant TpBtf = Object.Variant(
        "tp_btf/sys_enter", Object.Program("sys_enter_btf"), Object.Program("sys_exit_btf"));

    public static readonly ProgramVariant RawTracepoint = Object.Variant(
        "raw_tp/sys_enter", Object.Program("sys_enter_raw"), Object.Program("sys_exit_raw"));

    static SyscallsSchema()
    {
        Object.Counters("syscall_counter");
        Object.Record(SlowCall.Layout);
    }

    public static MapRef<SyscallKey, SyscallCounts> Calls(int slot) => slot == 0 ? Calls0 : Calls1;

    public static MapRef<SyscallErrorKey, ulong> Errors(int slot) => slot == 0 ? Errors0 : Errors1;
}
