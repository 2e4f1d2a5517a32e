using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace SystemScope.Sources.Kit;

// Mirrors of bpf/kit/abi.h. Each layout below is checked against the BTF of every object that
// uses it when the object loads (KitObject), so the two sides cannot drift apart unnoticed.

/// <summary>A task name: 16 bytes, NUL-terminated unless all 16 are used.</summary>
[InlineArray(16)]
internal struct Comm16
{
    private byte _first;

    public static int LengthOf(ReadOnlySpan<byte> comm)
    {
        var end = comm.IndexOf((byte)0);
        return end < 0 ? comm.Length : end;
    }

    public readonly override string ToString()
    {
        ReadOnlySpan<byte> bytes = this;
        return Encoding.UTF8.GetString(bytes[..LengthOf(bytes)]);
    }
}

/// <summary>enum ss_filter_flag.</summary>
[Flags]
internal enum FilterFlags : uint
{
    None = 0,
    Pids = 1,
    Cgroup = 2,
    Comm = 4,
}

/// <summary>struct ss_filter_config: the session's filter, written by <see cref="KernelFilter"/>.</summary>
[StructLayout(LayoutKind.Explicit, Size = 56)]
internal struct FilterConfig
{
    [FieldOffset(0)] public uint Seq;
    [FieldOffset(4)] public uint Flags;
    [FieldOffset(8)] public uint AgentTgid;
    [FieldOffset(12)] public uint IncludeAgent;
    [FieldOffset(16)] public ulong CgroupId;
    [FieldOffset(24)] public uint CgroupLevel;
    [FieldOffset(28)] public uint PidGeneration;
    [FieldOffset(32)] public uint CommLength;
    [FieldOffset(40)] public Comm16 Comm;

    public static readonly RecordLayout<FilterConfig> Layout = RecordLayout<FilterConfig>.Of("ss_filter_config")
        .Member("seq", static (ref FilterConfig c) => ref c.Seq)
        .Member("flags", static (ref FilterConfig c) => ref c.Flags)
        .Member("agent_tgid", static (ref FilterConfig c) => ref c.AgentTgid)
        .Member("include_agent", static (ref FilterConfig c) => ref c.IncludeAgent)
        .Member("cgroup_id", static (ref FilterConfig c) => ref c.CgroupId)
        .Member("cgroup_level", static (ref FilterConfig c) => ref c.CgroupLevel)
        .Member("pid_generation", static (ref FilterConfig c) => ref c.PidGeneration)
        .Member("comm_len", static (ref FilterConfig c) => ref c.CommLength)
        .Member("comm", static (ref FilterConfig c) => ref c.Comm);
}

/// <summary>enum ss_proc_kind: the values are those of <see cref="Core.Events.Process.ProcessChange"/> (checked at load).</summary>
internal enum ProcKind : uint
{
    Seen,
    Fork,
    Exec,
    Exit,
    Rename,
    ThreadStart,
    ThreadExit,
}

/// <summary>struct ss_proc_event: a record of the session's process lifecycle ring buffer.</summary>
[StructLayout(LayoutKind.Explicit, Size = 48)]
internal struct ProcEvent
{
    [FieldOffset(0)] public ulong TimestampNs;
    [FieldOffset(8)] public uint Kind;
    [FieldOffset(12)] public uint Tgid;
    [FieldOffset(16)] public uint Tid;
    [FieldOffset(20)] public uint ParentTgid;
    [FieldOffset(24)] public uint ParentTid;
    [FieldOffset(32)] public Comm16 Comm;

    public static readonly RecordLayout<ProcEvent> Layout = RecordLayout<ProcEvent>.Of("ss_proc_event")
        .Member("timestamp_ns", static (ref ProcEvent e) => ref e.TimestampNs)
        .Member("kind", static (ref ProcEvent e) => ref e.Kind)
        .Member("tgid", static (ref ProcEvent e) => ref e.Tgid)
        .Member("tid", static (ref ProcEvent e) => ref e.Tid)
        .Member("parent_tgid", static (ref ProcEvent e) => ref e.ParentTgid)
        .Member("parent_tid", static (ref ProcEvent e) => ref e.ParentTid)
        .Member("comm", static (ref ProcEvent e) => ref e.Comm);
}

/// <summary>The frames of a <see cref="StackRecord"/>.</summary>
[InlineArray(StackRecord.MaxDepth)]
internal struct StackFrames
{
    private ulong _first;
}

/// <summary>struct ss_stack: a stack as the kit stores it, frames leaf first.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct StackRecord
{
    public const int MaxDepth = 240;

    public uint Length;
    public uint Pad;
    public StackFrames Ips;

    public static readonly RecordLayout<StackRecord> Layout = RecordLayout<StackRecord>.Of("ss_stack")
        .Member("len", static (ref StackRecord s) => ref s.Length)
        .Member("ips", static (ref StackRecord s) => ref s.Ips);

    /// <summary>The valid frames.</summary>
    public static ReadOnlySpan<ulong> Frames(in StackRecord stack)
    {
        ReadOnlySpan<ulong> all = stack.Ips;
        return all[..(int)Math.Min(stack.Length, MaxDepth)];
    }
}
