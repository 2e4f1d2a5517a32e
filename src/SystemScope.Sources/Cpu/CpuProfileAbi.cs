using System.Runtime.InteropServices;

namespace SystemScope.Sources.Cpu;

// Mirrors of bpf/cpu_profile.h. Sizes are checked against the loaded maps (CpuProfileObject), so a
// change on one side only fails loudly at start instead of decoding garbage.

/// <summary>struct cpu_config: the runtime configuration in the run_config array map.</summary>
[StructLayout(LayoutKind.Explicit, Size = 24)]
internal struct CpuConfig
{
    [FieldOffset(0)] public uint FilterEnabled;
    [FieldOffset(4)] public uint AgentTgid;
    [FieldOffset(8)] public uint IncludeAgent;
    [FieldOffset(12)] public uint IncludeIdle;
    [FieldOffset(16)] public uint ActiveSlot;
}

/// <summary>struct cpu_count_key: one thread with one pair of stacks (hash 0 = no stack).</summary>
[StructLayout(LayoutKind.Explicit, Size = 24)]
internal struct CpuCountKey
{
    [FieldOffset(0)] public uint Tgid;
    [FieldOffset(4)] public uint Tid;
    [FieldOffset(8)] public ulong UserStack;
    [FieldOffset(16)] public ulong KernelStack;
}

/// <summary>struct cpu_stack: u32 len, u32 pad, u64 ips[127], leaf first.</summary>
internal static class CpuStackLayout
{
    public const int MaxDepth = 127;
    public const int Size = 8 + (MaxDepth * sizeof(ulong));
    public const int IpsOffset = 8;

    public static ReadOnlySpan<ulong> Frames(ReadOnlySpan<byte> value)
    {
        var length = Math.Min(MemoryMarshal.Read<uint>(value), MaxDepth);
        return MemoryMarshal.Cast<byte, ulong>(value[IpsOffset..])[..(int)length];
    }
}

/// <summary>struct cpu_proc_event: a ring buffer record about a process.</summary>
[StructLayout(LayoutKind.Explicit, Size = 40)]
internal struct CpuProcEvent
{
    public const int CommOffset = 24;
    public const int CommLength = 16;

    [FieldOffset(0)] public ulong TimestampNs;
    [FieldOffset(8)] public uint Kind;
    [FieldOffset(12)] public uint Tgid;
    [FieldOffset(16)] public uint Tid;
}

/// <summary>enum cpu_proc_kind.</summary>
internal enum CpuProcKind : uint
{
    Seen = 0,
    Exec = 1,
    Exit = 2,
}

/// <summary>enum cpu_counter: indices of the per-CPU counters array.</summary>
internal enum CpuCounter : uint
{
    Samples,
    Skipped,
    Accepted,
    Recorded,
    LostCountsFull,
    LostStacksFull,
    LostOther,
    UserStackErrors,
    KernelStackErrors,
    Events,
    EventsLost,
    Count,
}
