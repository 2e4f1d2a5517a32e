using System.Runtime.InteropServices;

namespace SystemScope.Bpf.Interop;

/// <summary>struct bpf_object_open_opts of libbpf 1.1.2 (80 bytes; checked with offsetof).</summary>
[StructLayout(LayoutKind.Explicit, Size = 80)]
internal unsafe struct BpfObjectOpenOpts
{
    [FieldOffset(0)] public nuint Size;
    [FieldOffset(8)] public byte* ObjectName;
    [FieldOffset(16)] public byte RelaxedMaps;
    [FieldOffset(24)] public byte* PinRootPath;

    // offset 32: a removed u32 (attach_prog_fd)
    [FieldOffset(40)] public byte* Kconfig;
    [FieldOffset(48)] public byte* BtfCustomPath;
    [FieldOffset(56)] public byte* KernelLogBuf;
    [FieldOffset(64)] public nuint KernelLogSize;
    [FieldOffset(72)] public uint KernelLogLevel;
}

/// <summary>struct bpf_prog_load_opts of libbpf 1.1.2 (104 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 104)]
internal unsafe struct BpfProgLoadOpts
{
    [FieldOffset(0)] public nuint Size;
    [FieldOffset(8)] public int Attempts;
    [FieldOffset(12)] public uint ExpectedAttachType;
    [FieldOffset(32)] public uint AttachBtfId;
    [FieldOffset(88)] public uint LogLevel;
    [FieldOffset(92)] public uint LogSize;
    [FieldOffset(96)] public byte* LogBuf;
}

/// <summary>struct bpf_map_batch_opts (24 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 24)]
internal struct BpfMapBatchOpts
{
    [FieldOffset(0)] public nuint Size;
    [FieldOffset(8)] public ulong ElemFlags;
    [FieldOffset(16)] public ulong Flags;
}

/// <summary>struct btf_type: name, info (vlen | kind &lt;&lt; 24), size or type. 12 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct BtfType
{
    public uint NameOff;
    public uint Info;
    public uint SizeOrType;

    public readonly int VLen => (int)(Info & 0xffff);

    public readonly uint Kind => (Info >> 24) & 0x1f;

    public readonly bool KindFlag => (Info >> 31) != 0;
}

/// <summary>struct btf_member, following a STRUCT or UNION btf_type. 12 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct BtfMember
{
    public uint NameOff;
    public uint Type;

    /// <summary>Bit offset; with the type's kind flag, bitfield size &lt;&lt; 24 | bit offset.</summary>
    public uint Offset;
}

/// <summary>struct btf_enum, following an ENUM btf_type. 8 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct BtfEnumValue
{
    public uint NameOff;
    public int Value;
}

/// <summary>struct btf_enum64, following an ENUM64 btf_type. 12 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct BtfEnum64Value
{
    public uint NameOff;
    public uint ValueLow;
    public uint ValueHigh;
}

/// <summary>struct btf_var_secinfo, following a DATASEC btf_type. 12 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct BtfVarSecinfo
{
    public uint Type;
    public uint Offset;
    public uint Size;
}

/// <summary>struct perf_event_attr up to PERF_ATTR_SIZE_VER7 (128 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal struct PerfEventAttr
{
    internal const uint SizeVer7 = 128;

    // flags bitfield (offset 40)
    internal const ulong FlagDisabled = 1UL << 0;
    internal const ulong FlagFreq = 1UL << 10;

    [FieldOffset(0)] public uint Type;
    [FieldOffset(4)] public uint Size;
    [FieldOffset(8)] public ulong Config;
    [FieldOffset(16)] public ulong SamplePeriodOrFreq;
    [FieldOffset(24)] public ulong SampleType;
    [FieldOffset(32)] public ulong ReadFormat;
    [FieldOffset(40)] public ulong Flags;
    [FieldOffset(48)] public uint WakeupEvents;
}

internal static class BpfConstants
{
    internal const int ProgTypeKprobe = 2;
    internal const int ProgTypeTracepoint = 5;
    internal const int ProgTypePerfEvent = 7;
    internal const int ProgTypeRawTracepoint = 17;
    internal const int ProgTypeTracing = 26;

    internal const uint AttachTraceRawTp = 23;
    internal const uint AttachTraceFentry = 24;

    internal const uint BtfKindInt = 1;
    internal const uint BtfKindPtr = 2;
    internal const uint BtfKindArray = 3;
    internal const uint BtfKindStruct = 4;
    internal const uint BtfKindUnion = 5;
    internal const uint BtfKindEnum = 6;
    internal const uint BtfKindTypedef = 8;
    internal const uint BtfKindFunc = 12;
    internal const uint BtfKindDatasec = 15;
    internal const uint BtfKindEnum64 = 19;

    internal const int MapTypeArray = 2;
    internal const int MapTypeRingBuffer = 27;
    internal const uint MapFlagMmapable = 1U << 10;

    internal const int StatsRunTime = 0;

    internal const uint PerfTypeSoftware = 1;
    internal const ulong PerfCountSwCpuClock = 0;
    internal const ulong PerfCountSwPageFaultsMin = 5;
    internal const ulong PerfCountSwPageFaultsMaj = 6;
}

/// <summary>struct bpf_map_create_opts of libbpf 1.1.2 (48 bytes; checked with offsetof).</summary>
[StructLayout(LayoutKind.Explicit, Size = 48)]
internal struct BpfMapCreateOpts
{
    [FieldOffset(0)] public nuint Size;
    [FieldOffset(24)] public uint InnerMapFd;
    [FieldOffset(28)] public uint MapFlags;
}

/// <summary>struct bpf_uprobe_opts of libbpf 1.1.2 (40 bytes).</summary>
[StructLayout(LayoutKind.Explicit, Size = 40)]
internal unsafe struct BpfUprobeOpts
{
    [FieldOffset(0)] public nuint Size;
    [FieldOffset(8)] public nuint RefCounterOffset;
    [FieldOffset(16)] public ulong Cookie;
    [FieldOffset(24)] public byte Retprobe;
    [FieldOffset(32)] public byte* FunctionName;
}
