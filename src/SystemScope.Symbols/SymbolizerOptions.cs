namespace SystemScope.Symbols;

/// <summary>Where <see cref="Symbolizer"/> reads from and how much it may keep.</summary>
public sealed record SymbolizerOptions
{
    /// <summary>The procfs mount: <c>kallsyms</c>, <c>PID/maps</c>, <c>PID/map_files</c>, <c>PID/root</c> are read below it.</summary>
    public string ProcRoot { get; init; } = "/proc";

    /// <summary>Roots of separate debug files: <c>DIR/.build-id/xx/rest.debug</c> and <c>DIR/path/of/binary/debuglink</c>.</summary>
    public IReadOnlyList<string> DebugDirectories { get; init; } = ["/usr/lib/debug"];

    /// <summary>Processes whose mappings are kept (alive or in their grace period).</summary>
    public int MaxProcesses { get; init; } = 2048;

    /// <summary>Parsed binaries kept for reuse across processes.</summary>
    public int MaxBinaries { get; init; } = 512;

    /// <summary>Approximate memory the cached symbol tables may take.</summary>
    public long MaxBinaryCacheBytes { get; init; } = 256L * 1024 * 1024;

    /// <summary>Entries read from one process's perf map; the rest are counted as dropped.</summary>
    public int MaxPerfMapEntries { get; init; } = 1_000_000;

    /// <summary>Distinct <c>module+0xoffset</c> frames shared as single instances.</summary>
    public int MaxUnknownFrames { get; init; } = 65_536;

    /// <summary>How long an exited process's mappings stay, so that its last samples still resolve.</summary>
    public TimeSpan ExitedProcessGrace { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The least time between two re-reads of a process's mappings caused by an address outside all of
    /// them (after dlopen or new JIT code); stray addresses must not make every lookup re-read /proc.
    /// </summary>
    public TimeSpan MapsRefreshInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// The least time between two re-reads of kallsyms caused by a kernel address that no symbol covers
    /// (a BPF program or module loaded after the last read); a re-read takes about 0.1 s.
    /// </summary>
    public TimeSpan KernelSymbolsRefreshInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Switch the perf map of .NET processes on over their diagnostic port while a session observes them.</summary>
    public bool EnableDotnetPerfMaps { get; init; } = true;

    /// <summary>
    /// Ask running HotSpot JVMs (JDK 17+) for their perf map over the attach mechanism while a session
    /// observes them (<c>jcmd PID Compiler.perfmap</c>), and remove the map the agent caused when it ends.
    /// </summary>
    public bool EnableJvmPerfMaps { get; init; } = true;

    /// <summary>How often a JVM's perf map snapshot is asked for again while a session holds it (methods compiled since).</summary>
    public TimeSpan JvmPerfMapRefresh { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Limit for one diagnostic-port request (connect plus command).</summary>
    public TimeSpan DiagnosticTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Process changes waiting to be handled off the caller's thread; beyond this they are counted as dropped.</summary>
    public int MaxPendingChanges { get; init; } = 8192;

    /// <summary>
    /// How long after the last session leaves the symbolizer keeps what it parsed (kallsyms, binaries,
    /// process mappings) for the next session; then it lets all of it go, so an idle agent holds nothing.
    /// </summary>
    public TimeSpan IdleRelease { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Name the functions inlined at each address from the binary's DWARF debug info (its own or a
    /// separate debug file), innermost first above the function that holds them, as perf and
    /// <c>addr2line -i</c> do. Off by default: reading .debug_info costs time and memory per binary.
    /// </summary>
    public bool InlineFrames { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ProcRoot) || !ProcRoot.StartsWith('/'))
        {
            throw new ArgumentException($"proc root '{ProcRoot}' must be an absolute path such as /proc", nameof(ProcRoot));
        }

        foreach (var directory in DebugDirectories)
        {
            if (string.IsNullOrWhiteSpace(directory) || !directory.StartsWith('/'))
            {
                throw new ArgumentException($"debug directory '{directory}' must be an absolute path", nameof(DebugDirectories));
            }
        }

        RequirePositive(MaxProcesses, nameof(MaxProcesses));
        RequirePositive(MaxBinaries, nameof(MaxBinaries));
        RequirePositive(MaxBinaryCacheBytes, nameof(MaxBinaryCacheBytes));
        RequirePositive(MaxPerfMapEntries, nameof(MaxPerfMapEntries));
        RequirePositive(MaxUnknownFrames, nameof(MaxUnknownFrames));
        RequirePositive(MaxPendingChanges, nameof(MaxPendingChanges));
        if (ExitedProcessGrace < TimeSpan.Zero)
        {
            throw new ArgumentException($"exited process grace {ExitedProcessGrace} must not be negative", nameof(ExitedProcessGrace));
        }

        if (MapsRefreshInterval < TimeSpan.Zero)
        {
            throw new ArgumentException($"maps refresh interval {MapsRefreshInterval} must not be negative", nameof(MapsRefreshInterval));
        }

        if (KernelSymbolsRefreshInterval < TimeSpan.Zero)
        {
            throw new ArgumentException($"kernel symbols refresh interval {KernelSymbolsRefreshInterval} must not be negative", nameof(KernelSymbolsRefreshInterval));
        }

        if (IdleRelease < TimeSpan.Zero)
        {
            throw new ArgumentException($"idle release {IdleRelease} must not be negative", nameof(IdleRelease));
        }

        if (JvmPerfMapRefresh <= TimeSpan.Zero)
        {
            throw new ArgumentException($"JVM perf map refresh {JvmPerfMapRefresh} must be positive", nameof(JvmPerfMapRefresh));
        }

        if (DiagnosticTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"diagnostic timeout {DiagnosticTimeout} must be positive", nameof(DiagnosticTimeout));
        }
    }

    private static void RequirePositive(long value, string name)
    {
        if (value <= 0)
        {
            throw new ArgumentException($"{name} is {value}: it must be positive", name);
        }
    }
}
