using SystemScope.Core.Models;
using SystemScope.Core.Models.Table;

namespace SystemScope.Core.Analyses.Gpu;

/// <summary>One idle gap of a process's device and what the thread that ended it did meanwhile.</summary>
public sealed class IdleGap(int pid, int tid, long startNs, long endNs)
{
    public int Pid { get; } = pid;

    public int Tid { get; } = tid;

    public long StartNs { get; } = startNs;

    public long EndNs { get; } = endNs;

    public GapActivity Activity { get; set; }

    /// <summary>Every source has delivered well past its end: its explanation no longer changes.</summary>
    public bool Settled { get; set; }
}

/// <summary>The <c>gpu.idle</c> table: its columns and rows.</summary>
public static class IdleGapTable
{
    public const string ModelId = "gpu.idle";

    /// <summary>Gaps kept (the newest); older ones leave the table.</summary>
    public const int MaxGaps = 1000;

    /// <summary>
    /// Gaps shorter than this are the host's own cost between two calls (a launch right after a
    /// synchronisation): they lower the busy share but are not listed.
    /// </summary>
    public const long MinListedNs = 1_000_000;

    public static readonly IReadOnlyList<TableColumn> Columns =
    [
        new("pid", "Process id", ColumnType.Int),
        new("process", "Process", ColumnType.String),
        new("tid", "Thread that submitted next", ColumnType.Int),
        new("thread", "Thread", ColumnType.String),
        new("start", "Idle from (since session start)", ColumnType.Int, "ns"),
        new("idle_ns", "Idle for", ColumnType.Int, "ns"),
        new("ongoing", "Still idle", ColumnType.Int),
        new("doing", "Meanwhile the thread was", ColumnType.String),
        new("on_cpu", "On CPU in", ColumnType.String),
        new("blocked", "Blocked on", ColumnType.String),
        new("on_cpu_ns", "On CPU", ColumnType.Int, "ns"),
        new("off_cpu_ns", "Off CPU", ColumnType.Int, "ns"),
        new("runnable_ns", "Of which waiting for a CPU", ColumnType.Int, "ns"),
        new("samples", "CPU samples", ColumnType.Int),
    ];

    public static TableModel Create() =>
        new(new ModelDescriptor(ModelId, TableModel.TypeName, "GPU idle gaps", "ns", [GpuSources.SourceId])
        {
            Description = "Gaps between a process's device busy periods (inferred from its API calls: from a submission to the wait that saw it done), " +
                "each with what the thread that submitted next was doing meanwhile: on CPU in which function (cpu), blocked on what (offcpu, sched, spans), else unknown.",
        }, Columns, MaxGaps + 64);

    public static object[] Row(IdleGap gap, bool ongoing, string process, string thread, long originNs)
    {
        var a = gap.Activity;
        return
        [
            (long)gap.Pid, process, (long)gap.Tid, thread, gap.StartNs - originNs, gap.EndNs - gap.StartNs, ongoing ? 1L : 0L,
            a.Doing, a.OnCpu, a.Blocked, OrNull(a.OnCpuNs), OrNull(a.OffCpuNs), OrNull(a.RunnableNs), a.Samples,
        ];
    }

    // The table writes null for a value nothing measured (no scheduler source: no on-CPU time).
    private static object OrNull(long? value) => value is { } v ? v : null!;
}
