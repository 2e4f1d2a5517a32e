using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SystemScope.Sources.Kit;

namespace SystemScope.Sources.Gpu;

/// <summary>GPU_ARGS raw arguments of a call.</summary>
[InlineArray(GpuSchema.Arguments)]
internal struct GpuArguments
{
    private ulong _first;
}

/// <summary>GPU_BLOB bytes copied from where an argument points.</summary>
[InlineArray(GpuSchema.BlobBytes)]
internal struct GpuBlob
{
    private byte _first;
}

/// <summary>GPU_NAME bytes of a kernel name.</summary>
[InlineArray(GpuSchema.NameBytes)]
internal struct GpuName
{
    private byte _first;
}

/// <summary>GPU_FRAMES user frames.</summary>
[InlineArray(GpuSchema.Frames)]
internal struct GpuFrames
{
    private ulong _first;
}

/// <summary>struct gpu_function_spec (bpf/gpu.h): what the probes read for one function.</summary>
[StructLayout(LayoutKind.Explicit, Size = 16)]
internal struct GpuFunctionSpec
{
    [FieldOffset(0)] public byte OutArgument;
    [FieldOffset(1)] public byte NameArgument;
    [FieldOffset(2)] public byte NameDeref;
    [FieldOffset(3)] public byte BlobAArgument;
    [FieldOffset(4)] public byte BlobBArgument;
    [FieldOffset(8)] public uint NameOffset;

    public static readonly RecordLayout<GpuFunctionSpec> Layout = RecordLayout<GpuFunctionSpec>.Of("gpu_function_spec")
        .Member("out_arg", static (ref GpuFunctionSpec s) => ref s.OutArgument)
        .Member("name_arg", static (ref GpuFunctionSpec s) => ref s.NameArgument)
        .Member("name_deref", static (ref GpuFunctionSpec s) => ref s.NameDeref)
        .Member("blob_a_arg", static (ref GpuFunctionSpec s) => ref s.BlobAArgument)
        .Member("blob_b_arg", static (ref GpuFunctionSpec s) => ref s.BlobBArgument)
        .Member("name_offset", static (ref GpuFunctionSpec s) => ref s.NameOffset);
}

/// <summary>struct gpu_call: one traced call, sent at its return.</summary>
[StructLayout(LayoutKind.Explicit, Size = 928)]
internal struct GpuCallRecord
{
    [FieldOffset(0)] public ulong StartNs;
    [FieldOffset(8)] public ulong DurationNs;
    [FieldOffset(16)] public uint Tgid;
    [FieldOffset(20)] public uint Tid;
    [FieldOffset(24)] public uint Function;
    [FieldOffset(28)] public uint UserLength;
    [FieldOffset(32)] public long Return;
    [FieldOffset(40)] public ulong Written;
    [FieldOffset(48)] public GpuArguments Arguments;
    [FieldOffset(144)] public GpuBlob BlobA;
    [FieldOffset(208)] public GpuBlob BlobB;
    [FieldOffset(272)] public GpuName Name;
    [FieldOffset(400)] public Comm16 Comm;
    [FieldOffset(416)] public GpuFrames UserStack;

    public static readonly RecordLayout<GpuCallRecord> Layout = RecordLayout<GpuCallRecord>.Of("gpu_call")
        .Member("start_ns", static (ref GpuCallRecord r) => ref r.StartNs)
        .Member("duration_ns", static (ref GpuCallRecord r) => ref r.DurationNs)
        .Member("tgid", static (ref GpuCallRecord r) => ref r.Tgid)
        .Member("tid", static (ref GpuCallRecord r) => ref r.Tid)
        .Member("function", static (ref GpuCallRecord r) => ref r.Function)
        .Member("user_len", static (ref GpuCallRecord r) => ref r.UserLength)
        .Member("ret", static (ref GpuCallRecord r) => ref r.Return)
        .Member("out_value", static (ref GpuCallRecord r) => ref r.Written)
        .Member("args", static (ref GpuCallRecord r) => ref r.Arguments)
        .Member("blob_a", static (ref GpuCallRecord r) => ref r.BlobA)
        .Member("blob_b", static (ref GpuCallRecord r) => ref r.BlobB)
        .Member("name", static (ref GpuCallRecord r) => ref r.Name)
        .Member("comm", static (ref GpuCallRecord r) => ref r.Comm)
        .Member("user_stack", static (ref GpuCallRecord r) => ref r.UserStack);
}

/// <summary>bpf/gpu.bpf.c as the gpu source sees it.</summary>
internal static class GpuSchema
{
    public const int Arguments = 12;
    public const int BlobBytes = 64;
    public const int NameBytes = 128;
    public const int Frames = 64;

    public static readonly ObjectSchema Object = new("gpu.bpf.o");

    public static readonly MapRef<uint, GpuFunctionSpec> Functions = Object.Map<uint, GpuFunctionSpec>("gpu_functions", ScalarLayout.U32, GpuFunctionSpec.Layout);
    public static readonly MapRef Calls = Object.Map("calls");

    public static readonly ConstantRef<bool> CaptureStacks = Object.Constant<bool>("capture_stacks");

    public static readonly ProgramRef Entry = Object.Program("gpu_entry");
    public static readonly ProgramRef Return = Object.Program("gpu_return");

    static GpuSchema()
    {
        Object.Counters("gpu_counter");
        Object.Record(GpuCallRecord.Layout);
    }
}
