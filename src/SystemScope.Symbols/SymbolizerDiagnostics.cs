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
    long PendingChangesDropped,
    long Failures,
    IReadOnlyList<SymbolizerFailure> RecentFailures);

/// <summary>One thing that could not be done: open or parse a binary, switch a perf map on …</summary>
/// <param name="Pid">The process concerned, 0 when none.</param>
/// <param name="What">A short stable label such as <c>binary</c>, <c>perf-map-enable</c>, <c>kallsyms</c>.</param>
public sealed record SymbolizerFailure(DateTimeOffset At, int Pid, string What, string Message);
