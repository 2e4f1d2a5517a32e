using SystemScope.Core.Events.Process;
using SystemScope.Core.Sessions;
using SystemScope.Core.Symbols;
using SystemScope.Symbols.Binaries;
using SystemScope.Symbols.Kernel;
using SystemScope.Symbols.Processes;
using SystemScope.Symbols.Runtimes;
using SystemScope.Symbols.Runtimes.Dotnet;
using SystemScope.Symbols.Sessions;
using SystemScope.Symbols.Support;

namespace SystemScope.Symbols;

/// <summary>
/// Turns kernel and user addresses into frames: kallsyms for the kernel; for processes, ELF symbol
/// tables (with separate debug files) of the files they map, and perf maps for JIT code, which it
/// switches on in .NET processes while sessions observe them. One instance serves every session and
/// is safe to call from several threads at once. Never throws for an address: what it cannot name
/// becomes <c>module+0xoffset</c>.
/// </summary>
public sealed class Symbolizer : IStackSymbolizer, ISessionParticipant, IDisposable
{
    private readonly SymbolizerOptions _options;
    private readonly FailureLog _failures = new();
    private readonly UnknownFrames _unknown;
    private readonly BinaryCache _binaries;
    private readonly ProcessTable _processes;
    private readonly KernelFrameResolver _kernel;
    private readonly UserFrameResolver _user;
    private readonly VdsoImages _vdso;
    private readonly DotnetPerfMapController? _dotnet;
    private readonly IReadOnlyList<IRuntimeNames> _runtimes;
    private readonly ProcessTracker _tracker;
    private readonly Lock _sessionsGate = new();
    private readonly Dictionary<Session, SessionLink> _sessions = new(ReferenceEqualityComparer.Instance);
    private Timer? _idleRelease;
    private bool _disposed;

    public Symbolizer()
        : this(new SymbolizerOptions())
    {
    }

    /// <exception cref="ArgumentException">An option is out of range (the message names it).</exception>
    public Symbolizer(SymbolizerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _unknown = new UnknownFrames(options.MaxUnknownFrames);
        _binaries = new BinaryCache(options.MaxBinaries, options.MaxBinaryCacheBytes);
        var loader = new BinaryLoader(_binaries, new DebugFileLocator(options.DebugDirectories), _failures, options.InlineFrames);
        _vdso = new VdsoImages(options.ProcRoot, _failures);
        var inspector = new ProcessInspector(options.ProcRoot, loader, _vdso, _failures);
        _processes = new ProcessTable(options.MaxProcesses, options.ExitedProcessGrace);
        _kernel = new KernelFrameResolver(options.ProcRoot, options.KernelSymbolsRefreshInterval, _unknown, _failures);
        _user = new UserFrameResolver(_processes, inspector, _unknown, options);
        _runtimes = RuntimeRegistry.Create(options, _failures, OnPerfMapReady, OnPerfMapRewritten);
        _dotnet = _runtimes.OfType<DotnetRuntimeNames>().FirstOrDefault()?.Controller;
        _tracker = new ProcessTracker(options.MaxPendingChanges, _processes, inspector, _user, _runtimes, _failures);
    }

    /// <summary>Counts of what is held and what failed, with the latest failures.</summary>
    public SymbolizerDiagnostics Diagnostics
    {
        get
        {
            var perfMaps = _processes.States.Select(s => s.PerfMap).OfType<Jit.PerfMap>().ToList();
            return new SymbolizerDiagnostics(
                ProcessesTracked: _processes.Count,
                ProcessesExited: _processes.ExitedCount,
                BinariesCached: _binaries.Count,
                BinaryCacheBytes: _binaries.Bytes,
                KernelSymbols: _kernel.Count,
                KernelSymbolReloads: _kernel.Reloads,
                PerfMapsRead: perfMaps.Count(p => p.Count > 0),
                PerfMapEntries: perfMaps.Sum(p => (long)p.Count),
                PerfMapsEnabled: _dotnet?.EnabledCount ?? 0,
                PerfMapsDisabled: _dotnet?.DisabledCount ?? 0,
                PerfMapFilesRemoved: _dotnet?.RemovedFileCount ?? 0,
                PendingChangesDropped: _tracker.Dropped,
                UserStackCuts: _user.Cuts.Snapshot(),
                Failures: _failures.Total,
                RecentFailures: _failures.Recent());
        }
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException"><paramref name="frames"/> is shorter than <paramref name="addresses"/>.</exception>
    public int ResolveUser(int pid, ReadOnlySpan<ulong> addresses, Span<Symbol> frames)
    {
        CheckLengths(addresses, frames);
        int kept;
        try
        {
            kept = _user.Resolve(pid, addresses, frames);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            // The contract is frames, not exceptions: what was not resolved is named by address.
            _failures.Record(pid, "resolve", ex.Message);
            kept = UserStackCuts.ValidPrefix(addresses, out _);
            for (var i = 0; i < kept; i++)
            {
                frames[i] = _unknown.Get(UnknownFrames.UnknownModule, addresses[i]);
            }
        }

        _processes.SweepIfDue();
        return kept;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException"><paramref name="frames"/> is shorter than <paramref name="addresses"/>.</exception>
    public void ResolveKernel(ReadOnlySpan<ulong> addresses, Span<Symbol> frames)
    {
        CheckLengths(addresses, frames);
        _kernel.Resolve(addresses, frames);
    }

    /// <summary>Follows the session's process changes (Seen, Exec, Exit).</summary>
    public void Join(Session session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var link = new SessionLink(_tracker);
        lock (_sessionsGate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_sessions.TryAdd(session, link))
            {
                return;
            }

            _idleRelease?.Dispose();
            _idleRelease = null;
        }

        // The direct bus: process changes arrive as the source reads them, not after the analyses' ordering.
        session.DirectBus.Subscribe(link);

        // The processes a session names are snapshotted now, while they surely run: a short one can
        // exit before a loaded agent reads its first record, and its stacks would then have no mappings.
        foreach (var pid in session.Filter.Current.Pids)
        {
            _tracker.OnChange(link, pid, ProcessChange.Seen);
        }

        _kernel.WarmUp();
    }

    /// <summary>Stops following the session; perf maps switched on only for it are switched off (in the background).</summary>
    public void Leave(Session session)
    {
        ArgumentNullException.ThrowIfNull(session);
        SessionLink? link;
        lock (_sessionsGate)
        {
            if (!_sessions.Remove(session, out link))
            {
                return;
            }

            if (_sessions.Count == 0 && !_disposed)
            {
                _idleRelease?.Dispose();
                _idleRelease = new Timer(_ => ReleaseIfIdle(), null, _options.IdleRelease, Timeout.InfiniteTimeSpan);
            }
        }

        link.MarkLeft();
        foreach (var runtime in _runtimes)
        {
            runtime.Release(link);
        }
    }

    /// <summary>Leaves every session, waits (bounded by the diagnostic timeout) for perf maps to be switched off, lets go of files.</summary>
    public void Dispose()
    {
        List<SessionLink> links;
        lock (_sessionsGate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _idleRelease?.Dispose();
            _idleRelease = null;
            links = [.. _sessions.Values];
            _sessions.Clear();
        }

        foreach (var link in links)
        {
            link.MarkLeft();
            foreach (var runtime in _runtimes)
            {
                runtime.Release(link);
            }
        }

        // Blocking once at shutdown is the point: a process must not keep writing a perf map for nobody.
        _ = Task.WhenAll(_runtimes.Select(r => r.WhenIdle())).Wait(_options.DiagnosticTimeout + TimeSpan.FromSeconds(1));
        foreach (var runtime in _runtimes.OfType<IDisposable>())
        {
            runtime.Dispose();
        }

        _tracker.Dispose();
        _processes.Dispose();
    }

    /// <summary>Lets go of everything parsed once no session has joined for <see cref="SymbolizerOptions.IdleRelease"/>.</summary>
    internal void ReleaseIfIdle()
    {
        lock (_sessionsGate)
        {
            if (_sessions.Count > 0 || _disposed)
            {
                return;
            }

            _idleRelease?.Dispose();
            _idleRelease = null;
            _processes.Clear();
            _binaries.Clear();
            _vdso.Clear();
            _kernel.Release();
            _unknown.Clear();
        }

        IdleMemory.Return();
    }

    /// <summary>Completes when the process changes received so far and the diagnostic-port requests they caused are done.</summary>
    internal async Task FlushAsync()
    {
        await _tracker.FlushAsync().ConfigureAwait(false);
        await Task.WhenAll(_runtimes.Select(r => r.WhenIdle())).ConfigureAwait(false);
    }

    /// <summary>What a Seen change does, synchronously: snapshot the mappings and parse the binaries now.</summary>
    internal void Track(int pid) => _tracker.Track(pid, exec: false);

    /// <summary>Evicts now what the periodic sweep would evict.</summary>
    internal void SweepNow() => _processes.SweepNow();

    internal PerfMapControlState PerfMapStateOf(int pid) => _dotnet?.StateOf(pid) ?? PerfMapControlState.Unknown;

    internal ProcessState? ProcessStateOf(int pid) => _processes.TryGet(pid, out var state) ? state : null;

    private static void CheckLengths(ReadOnlySpan<ulong> addresses, Span<Symbol> frames)
    {
        if (frames.Length < addresses.Length)
        {
            throw new ArgumentException($"{addresses.Length} addresses need as many frames, got room for {frames.Length}", nameof(frames));
        }
    }

    internal int RuntimeNamesActive<T>()
        where T : IRuntimeNames => _runtimes.OfType<T>().Sum(r => r.ActiveCount);

    // Runtimes that rewrite their map as a whole (a JVM's snapshot) are read again from the start.
    private void OnPerfMapRewritten(int pid)
    {
        if (_processes.TryGet(pid, out var state) && !state.Exited)
        {
            _user.PerfMapOf(state).Reload();
        }
    }

    private void OnPerfMapReady(int pid)
    {
        if (_processes.TryGet(pid, out var state) && !state.Exited)
        {
            _user.PerfMapOf(state).Refresh();
        }
    }
}
