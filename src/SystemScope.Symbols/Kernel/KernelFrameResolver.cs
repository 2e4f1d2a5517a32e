using SystemScope.Core.Symbols;
using SystemScope.Symbols.Demangling;
using SystemScope.Symbols.Support;

namespace SystemScope.Symbols.Kernel;

/// <summary>Resolves kernel addresses through kallsyms, read once on first use, with one shared <see cref="Symbol"/> per symbol.</summary>
internal sealed class KernelFrameResolver
{
    private readonly Func<(KernelSymbolTable Table, Symbol?[] Symbols)> _load;
    private readonly UnknownFrames.Module _unknown;
    private volatile Lazy<(KernelSymbolTable Table, Symbol?[] Symbols)> _table;

    public KernelFrameResolver(string procRoot, UnknownFrames unknown, FailureLog failures)
    {
        _unknown = unknown.For(UnknownFrames.KernelModule);
        _load = () =>
        {
            KernelSymbolTable table;
            try
            {
                using var stream = new FileStream($"{procRoot}/kallsyms", FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
                table = KernelSymbolTable.Parse(stream);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                failures.Record(0, "kallsyms", $"cannot read {procRoot}/kallsyms: kernel frames are shown as addresses ({ex.Message})");
                return (KernelSymbolTable.Empty, []);
            }
            catch (Exception ex) when (ex is OverflowException or ArgumentException or InvalidOperationException)
            {
                failures.Record(0, "kallsyms", $"cannot parse {procRoot}/kallsyms: {ex.Message}");
                table = KernelSymbolTable.Empty;
            }

            if (table.Count == 0)
            {
                failures.Record(0, "kallsyms", $"{procRoot}/kallsyms lists no addresses (kptr_restrict; run as root): kernel frames are shown as addresses");
            }

            return (table, new Symbol?[table.Count]);
        };
        _table = NewTable();
    }

    public bool IsLoaded => _table.IsValueCreated;

    public int Count => _table.IsValueCreated ? _table.Value.Table.Count : 0;

    /// <summary>Loads kallsyms on the thread pool (about 0.1 s), so that the first samples do not wait for it.</summary>
    public void WarmUp()
    {
        if (!_table.IsValueCreated)
        {
            _ = Task.Run(() => _table.Value);
        }
    }

    /// <summary>Lets go of the table; the next use reads kallsyms again.</summary>
    public void Release() => _table = NewTable();

    private Lazy<(KernelSymbolTable Table, Symbol?[] Symbols)> NewTable() => new(_load, LazyThreadSafetyMode.ExecutionAndPublication);

    public void Resolve(ReadOnlySpan<ulong> addresses, Span<Symbol> frames)
    {
        var (table, symbols) = _table.Value;
        for (var i = 0; i < addresses.Length; i++)
        {
            var address = addresses[i];
            var index = table.Find(i == 0 || address == 0 ? address : address - 1);
            frames[i] = index < 0
                ? _unknown.Get(address)
                : symbols[index] ?? Create(table, symbols, index);
        }
    }

    private static Symbol Create(KernelSymbolTable table, Symbol?[] symbols, int index)
    {
        // Kernels built with Rust list v0-mangled names.
        var symbol = Demangler.ToSymbol(table.NameOf(index), table.ModuleOf(index), FrameKind.Kernel);
        return Interlocked.CompareExchange(ref symbols[index], symbol, null) ?? symbol;
    }
}
