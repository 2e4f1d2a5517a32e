using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using SystemScope.Sources.Kit;

namespace SystemScope.Sources.Accel;

/// <summary>A driver or timeline name of a fence record (ACCEL_NAME_LEN).</summary>
[InlineArray(32)]
internal struct Name32
{
    private byte _first;

    public readonly override string ToString()
    {
        ReadOnlySpan<byte> bytes = this;
        var end = bytes.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? bytes : bytes[..end]);
    }
}

/// <summary>struct accel_fence_job (bpf/accel_fence.h): one fence from emit to signaled.</summary>
[StructLayout(LayoutKind.Explicit, Size = 112)]
internal struct FenceJobRecord
{
    [FieldOffset(0)] public ulong EmitNs;
    [FieldOffset(8)] public ulong SignaledNs;
    [FieldOffset(16)] public uint Context;
    [FieldOffset(20)] public uint Seqno;
    [FieldOffset(24)] public uint Tgid;
    [FieldOffset(28)] public uint Tid;
    [FieldOffset(32)] public Comm16 Comm;
    [FieldOffset(48)] public Name32 Driver;
    [FieldOffset(80)] public Name32 Timeline;

    public static readonly RecordLayout<FenceJobRecord> Layout = RecordLayout<FenceJobRecord>.Of("accel_fence_job")
        .Member("emit_ns", static (ref FenceJobRecord r) => ref r.EmitNs)
        .Member("signaled_ns", static (ref FenceJobRecord r) => ref r.SignaledNs)
        .Member("context", static (ref FenceJobRecord r) => ref r.Context)
        .Member("seqno", static (ref FenceJobRecord r) => ref r.Seqno)
        .Member("tgid", static (ref FenceJobRecord r) => ref r.Tgid)
        .Member("tid", static (ref FenceJobRecord r) => ref r.Tid)
        .Member("comm", static (ref FenceJobRecord r) => ref r.Comm)
        .Member("driver", static (ref FenceJobRecord r) => ref r.Driver)
        .Member("timeline", static (ref FenceJobRecord r) => ref r.Timeline);
}

/// <summary>bpf/accel_fence.bpf.c as the accel source sees it.</summary>
internal static class FenceSchema
{
    public static readonly ObjectSchema Object = new("accel_fence.bpf.o");

    public static readonly MapRef Jobs = Object.Map("jobs");
    public static readonly MapRef Starts = Object.Map("fence_starts");

    public static readonly ProgramRef Emit = Object.Program("fence_emit");
    public static readonly ProgramRef Signaled = Object.Program("fence_signaled");

    static FenceSchema()
    {
        Object.Counters("accel_fence_counter");
        Object.Record(FenceJobRecord.Layout);
    }
}
