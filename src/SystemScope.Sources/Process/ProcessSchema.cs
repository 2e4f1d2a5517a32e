using SystemScope.Sources.Kit;

namespace SystemScope.Sources.Process;

/// <summary>bpf/process.bpf.c as the process source sees it.</summary>
internal static class ProcessSchema
{
    public static readonly ObjectSchema Object = new("process.bpf.o");

    public static readonly ProgramRef ForkBtf = Object.Program("process_fork_btf");
    public static readonly ProgramRef ExecBtf = Object.Program("process_exec_btf");
    public static readonly ProgramRef ExitBtf = Object.Program("process_exit_btf");
    public static readonly ProgramRef RenameBtf = Object.Program("process_rename_btf");
    public static readonly ProgramRef ForkRaw = Object.Program("process_fork_raw");
    public static readonly ProgramRef ExecRaw = Object.Program("process_exec_raw");
    public static readonly ProgramRef ExitRaw = Object.Program("process_exit_raw");
    public static readonly ProgramRef RenameRaw = Object.Program("process_rename_raw");

    /// <summary>Typed tracepoints, fields read directly: the cheaper way, where the kernel allows it.</summary>
    public static readonly ProgramVariant TpBtf = Object.Variant("tp_btf", ForkBtf, ExecBtf, ExitBtf, RenameBtf);

    /// <summary>The fallback: the same tracepoints, fields read through CO-RE.</summary>
    public static readonly ProgramVariant RawTracepoint = Object.Variant("raw_tp", ForkRaw, ExecRaw, ExitRaw, RenameRaw);

    static ProcessSchema()
    {
        Object.Record(ProcEvent.Layout);
        Object.Enum<ProcKind>("ss_proc_kind", "SS_PROC_");
    }
}
