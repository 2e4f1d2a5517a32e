using SystemScope.Core.Symbols;
using SystemScope.Symbols.Demangling;
using SystemScope.Symbols.Support;

namespace SystemScope.Symbols.Kernel;

/// <summary>
/// Resolves kernel addresses through kallsyms, with one shared <see cref="Symbol"/> per symbol. Read on
/// first use, and again when a kernel address is not covered (a BPF program or module loaded since),
/// at most once per <see cref="SymbolizerOptions.KernelSymbolsRefreshInterval"/>.
/// </summary>
internal sealed class KernelFrameResolver
{
    // The upper half of the x86-64 address space: anything else in a kernel stack is not worth a re-read.
    private const ulong KernelSpaceStart = 0xffff_8000_0000_0000;

    // Addresses still uncovered after a re-read do not ask for another; past this many, any miss may.
    private const int MaxRememberedMisses = 4096;

    // kallsyms lists JIT-compiled BPF programs under this module name ("[bpf]").
    private const string BpfModule = "bpf";

    // A BPF program's name is checked again after this many refresh intervals (30 s by default).
    private const long BpfRecheckFactor = 6;

    private readonly string _procRoot;
    private readonly FailureLog _failures;
    private readonly UnknownFrames.Module _unknown;
    private readonly long _refreshIntervalMs;
    private readonly Lock _reloadGate = new();
    private volatile Lazy<Kallsyms> _current;
    private long _reloads;

    public KernelFrameResolver(string procRoot, TimeSpan refreshInterval, UnknownFrames unknown, FailureLog failures)
    {
        _procRoot = procRoot;
        _failures = failures;
        _unknown = unknown.For(UnknownFrames.KernelModule);
        _refreshIntervalMs = (long)refreshInterval.TotalMilliseconds;
        _current = NewTable();
    }

    public bool IsLoaded => _current.IsValueCreated;

    public int Count => _current.IsValueCreated ? _current.Value.Table.Count : 0;

    /// <summary>How often kallsyms was read again because an address was not covered.</summary>
    public long Reloads => Interlocked.Read(ref _reloads);

    /// <summary>Loads kallsyms on the thread pool (about 0.1 s), so that the first samples do not wait for it.</summary>
    public void WarmUp()
    {
        var current = _current;
        if (!current.IsValueCreated)
        {
            _ = Task.Run(() => current.Value);
        }
    }

    /// <summary>Lets go of the table; the next use reads kallsyms again.</summary>
    public void Release() => _current = NewTable();

    public void Resolve(ReadOnlySpan<ulong> addresses, Span<Symbol> frames)
    {
        var kallsyms = _current.Value;
        for (var i = 0; i < addresses.Length; i++)
        {
            var address = addresses[i];
            var lookup = i == 0 || address == 0 ? address : address - 1;
            var index = kallsyms.Table.Find(lookup);
            if (lookup >= KernelSpaceStart && (index < 0 || IsStaleBpf(kallsyms, index)) && TryReload(ref kallsyms, lookup))
            {
                index = kallsyms.Table.Find(lookup);
            }

            frames[i] = index < 0 ? _unknown.Get(address) : kallsyms.SymbolAt(index);
        }
    }

    /// <summary>
    /// Whether the symbol is a BPF program from a read older than <see cref="BpfRecheckFactor"/>
    /// intervals: the kernel gives an unloaded program's address to the next one loaded, so the name
    /// may be another program's now (a re-read is due, rarer than for a miss: it costs ~0.2 s).
    /// </summary>
    private bool IsStaleBpf(Kallsyms kallsyms, int index) =>
        kallsyms.Table.ModuleOf(index) == BpfModule && kallsyms.AgeMs >= _refreshIntervalMs * BpfRecheckFactor;

    /// <summary>Reads kallsyms again for an uncovered address, unless the last read is too recent or already failed to cover it.</summary>
    private bool TryReload(ref Kallsyms seen, ulong address)
    {
        if (!seen.MayReloadFor(address, _refreshIntervalMs))
        {
            return false;
        }

        lock (_reloadGate)
        {
            var current = _current.Value;
            if (!ReferenceEquals(current, seen))
            {
                seen = current; // another thread read it meanwhile
                return true;
            }

            if (!current.MayReloadFor(address, _refreshIntervalMs))
            {
                return false;
            }

            var next = Load();
            next.AdoptSymbols(current);
            if (next.Table.Find(address) < 0)
            {
                next.RememberMiss(address);
            }

            Interlocked.Increment(ref _reloads);
            _current = new Lazy<Kallsyms>(next);
            seen = next;
            return true;
        }
    }

    private Lazy<Kallsyms> NewTable() => new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    private Kallsyms Load()
    {
        KernelSymbolTable table;
        try
        {
            using var stream = new FileStream($"{_procRoot}/kallsyms", FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
            table = KernelSymbolTable.Parse(stream);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _failures.Record(0, "kallsyms", $"cannot read {_procRoot}/kallsyms: kernel frames are shown as addresses ({ex.Message})");
            return new Kallsyms(KernelSymbolTable.Empty);
        }
        catch (Exception ex) when (ex is OverflowException or ArgumentException or InvalidOperationException)
        {
            _failures.Record(0, "kallsyms", $"cannot parse {_procRoot}/kallsyms: {ex.Message}");
            table = KernelSymbolTable.Empty;
        }

        if (table.Count == 0)
        {
            _failures.Record(0, "kallsyms", $"{_procRoot}/kallsyms lists no addresses (kptr_restrict; run as root): kernel frames are shown as addresses");
        }

        return new Kallsyms(table);
    }

    /// <summary>One read of kallsyms, the frames made from it so far, and the addresses it was read for in vain.</summary>
    private sealed class Kallsyms(KernelSymbolTable table)
    {
        private readonly Symbol?[] _symbols = new Symbol?[table.Count];
        private readonly HashSet<ulong> _misses = [];
        private readonly long _loadedTicks = Environment.TickCount64;

        public KernelSymbolTable Table { get; } = table;

        public Symbol SymbolAt(int index)
        {
            if (Volatile.Read(ref _symbols[index]) is { } existing)
            {
                return existing;
            }

            // Kernels built with Rust list v0-mangled names.
            var symbol = Demangler.ToSymbol(Table.NameOf(index), Table.ModuleOf(index), FrameKind.Kernel);
            return Interlocked.CompareExchange(ref _symbols[index], symbol, null) ?? symbol;
        }

        public long AgeMs => Environment.TickCount64 - _loadedTicks;

        public bool MayReloadFor(ulong address, long intervalMs)
        {
            // A kallsyms without addresses (kptr_restrict) stays so: reading it again would only repeat the failure.
            if (Table.Count == 0 || Environment.TickCount64 - _loadedTicks < intervalMs)
            {
                return false;
            }

            lock (_misses)
            {
                return !_misses.Contains(address);
            }
        }

        public void RememberMiss(ulong address)
        {
            lock (_misses)
            {
                if (_misses.Count < MaxRememberedMisses)
                {
                    _misses.Add(address);
                }
            }
        }

        /// <summary>Keeps the frames handed out before for the symbols that are still there, so callers see the same instances.</summary>
        public void AdoptSymbols(Kallsyms previous)
        {
            for (var i = 0; i < previous._symbols.Length; i++)
            {
                if (Volatile.Read(ref previous._symbols[i]) is not { } symbol)
                {
                    continue;
                }

                var index = Table.Find(previous.Table.StartOf(i));
                if (index >= 0 && Table.StartOf(index) == previous.Table.StartOf(i) && Table.NameOf(index) == previous.Table.NameOf(i))
                {
                    _symbols[index] = symbol;
                }
            }
        }
    }
}
