namespace SystemScope.Symbols;

/// <summary>What <see cref="Symbolizer"/> holds and what went wrong, at one moment.</summary>
public sealed record SymbolizerDiagnostics(
    int ProcessesTracked,
    int ProcessesExited,
    int BinariesCached,
    long BinaryCacheBytes,
    int KernelSymbols,
    long KernelSymbolReloads,
    int PerfMapsRead,
    long PerfMapEntries,
    int PerfMapsEnabled,
    long PerfMapsDisabled,
    long PerfMapFilesRemoved,
    long PendingChangesDropped,
    UserStackCutCounts UserStackCuts,
    long Failures,
    IReadOnlyList<SymbolizerFailure> RecentFailures);

/// <summary>
/// User stacks cut above their leaf because a frame was not a return address into code, and the frames
/// dropped from them; by the first bad frame: 0, above the user address space, the same address to the
/// end (a loop), or outside every executable mapping of the process.
/// </summary>
public sealed record UserStackCutCounts(long Stacks, long FramesDropped, long AtZero, long AtNonCanonical, long AtRepeat, long AtUnmapped);

/// <summary>One thing that could not be done: open or parse a binary, switch a perf map on …</summary>
/// <param name="Pid">The process concerned, 0 when none.</param>
/// <param name="What">A short stable label such as <c>binary</c>, <c>perf-map-enable</c>, <c>kallsyms</c>.</param>
public sealed record SymbolizerFailure(DateTimeOffset At, int Pid, string What, string Message);
