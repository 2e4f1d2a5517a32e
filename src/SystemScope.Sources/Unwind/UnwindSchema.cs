using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SystemScope.Sources.Kit;

namespace SystemScope.Sources.Unwind;

/// <summary>
/// kit/unwind.h: the maps of the unwinder, created once for the agent from <c>unwind_maps.bpf.o</c>
/// and used by every object that captures stacks (<see cref="UnwindTables.ReuseIn"/>).
/// </summary>
internal static class UnwindSchema
{
    public static readonly ObjectSchema Maps = new("unwind_maps.bpf.o");

    public static readonly MapRef<uint, UnwindProcessRecord> Processes =
        Maps.Map<uint, UnwindProcessRecord>("ss_unwind_processes", ScalarLayout.U32, UnwindProcessRecord.Layout);

    /// <summary>File id → the file's rows (a map of maps: values are <see cref="Bpf.BpfArray"/>s).</summary>
    public static readonly MapRef Tables = Maps.Map("ss_unwind_tables");

    public static readonly MapRef<uint, ulong> Requests = Maps.Map<uint, ulong>("ss_unwind_requests", ScalarLayout.U32, ScalarLayout.U64);

    /// <summary>enum ss_unwind_mode: 0 the kernel's frame-pointer walker only, 1 tables where loaded.</summary>
    public static readonly ConstantRef<uint> Mode = new("ss_unwind_mode");

    public static readonly IReadOnlyList<MapRef> Shared = [Processes, Tables, Requests];
}

/// <summary>struct ss_unwind_row: from ELF address Pc on, how to find the caller. 8 bytes. Checked in every object that walks stacks (<see cref="KitSchema.Records"/>).</summary>
[StructLayout(LayoutKind.Sequential, Size = 8)]
internal struct UnwindRowRecord
{
    public uint Pc;
    public ushort CfaOffset;
    public byte Rule;
    public sbyte RbpOffset;

    public static readonly RecordLayout<UnwindRowRecord> Layout = RecordLayout<UnwindRowRecord>.Of("ss_unwind_row")
        .Member("pc", static (ref UnwindRowRecord r) => ref r.Pc)
        .Member("cfa_offset", static (ref UnwindRowRecord r) => ref r.CfaOffset)
        .Member("rule", static (ref UnwindRowRecord r) => ref r.Rule)
        .Member("rbp_offset", static (ref UnwindRowRecord r) => ref r.RbpOffset);
}

/// <summary>struct ss_unwind_mapping: addresses in [Start, End) are ELF address − Bias of file FileId (0: no table).</summary>
[StructLayout(LayoutKind.Sequential, Size = 32)]
internal struct UnwindMappingRecord
{
    public ulong Start;
    public ulong End;
    public ulong Bias;
    public ulong FileId;
}

/// <summary>The mappings of a <see cref="UnwindProcessRecord"/>.</summary>
[InlineArray(UnwindProcessRecord.MaxMappings)]
internal struct UnwindMappings
{
    private UnwindMappingRecord _first;
}

/// <summary>struct ss_unwind_process: a process's executable mappings, sorted by start.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct UnwindProcessRecord
{
    public const int MaxMappings = 256;

    public uint Count;
    public uint Pad;
    public UnwindMappings Mappings;

    public static readonly RecordLayout<UnwindProcessRecord> Layout = RecordLayout<UnwindProcessRecord>.Of("ss_unwind_process")
        .Member("count", static (ref UnwindProcessRecord p) => ref p.Count)
        .Member("mappings", static (ref UnwindProcessRecord p) => ref p.Mappings);
}
