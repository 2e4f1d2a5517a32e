using Microsoft.Win32.SafeHandles;
using SystemScope.Core.Symbols;
using SystemScope.Symbols.Elf;
using SystemScope.Symbols.Support;

namespace SystemScope.Symbols.Jit;

/// <summary>
/// The perf map of one process (<c>/tmp/perf-PID.map</c>, seen through <c>/proc/PID/root</c>). The file
/// is append-only, so it is read incrementally from the last complete line whenever a lookup misses
/// and the file has grown; misses are never remembered. The open handle keeps the file readable after
/// the process exits or removes it.
/// </summary>
internal sealed class PerfMap : IDisposable
{
    private const int ChunkBytes = 1024 * 1024;

    // Overlapping entries (code reused after a method was unloaded) are rare: later entries win.
    private const int MaxBackScan = 16;

    private readonly Lock _gate = new();
    private readonly IReadOnlyList<string> _candidates;
    private readonly int _maxEntries;
    private readonly Dictionary<(string Name, string? Module), Symbol> _symbols = [];
    private Table _table = Table.Empty;
    private SafeFileHandle? _handle;
    private string? _path;
    private long _offset;
    private long _dropped;
    private bool _closed;
    private bool _replaceOnRead;

    /// <param name="candidates">Where the file may be, in order (the first that exists is used).</param>
    public PerfMap(IReadOnlyList<string> candidates, int maxEntries)
    {
        _candidates = candidates;
        _maxEntries = maxEntries;
    }

    public int Count => Volatile.Read(ref _table).Starts.Length;

    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>The file being read, once found.</summary>
    public string? Path
    {
        get
        {
            lock (_gate)
            {
                return _path;
            }
        }
    }

    public bool IsOpen
    {
        get
        {
            lock (_gate)
            {
                return _handle is not null;
            }
        }
    }

    public bool TryFind(ulong address, out Symbol symbol)
    {
        var table = Volatile.Read(ref _table);
        var index = FunctionTable.UpperBound(table.Starts, address) - 1;
        for (var i = index; i >= 0 && i > index - MaxBackScan; i--)
        {
            if (address < table.Ends[i])
            {
                symbol = table.Symbols[i];
                return true;
            }
        }

        symbol = null!;
        return false;
    }

    /// <summary>Reads what was appended since the last read. True when new entries arrived.</summary>
    public bool Refresh()
    {
        lock (_gate)
        {
            if (_closed || (_handle is null && !TryOpen()))
            {
                return false;
            }

            try
            {
                return ReadAppended();
            }
            catch (IOException)
            {
                return false;
            }
        }
    }

    /// <summary>
    /// Reads the file again from its start, for runtimes that rewrite it as a whole (a JVM's
    /// <c>Compiler.perfmap</c> snapshot): lookups keep the previous entries until the new ones are read.
    /// </summary>
    public bool Reload()
    {
        lock (_gate)
        {
            if (_closed)
            {
                return false;
            }

            _handle?.Dispose();
            _handle = null;
            _offset = 0;
            _replaceOnRead = true;
        }

        return Refresh();
    }

    /// <summary>Reads the rest and lets go of the file: the process is gone, nothing more will be appended.</summary>
    public void Complete()
    {
        Refresh();
        lock (_gate)
        {
            _closed = true;
            _handle?.Dispose();
            _handle = null;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _closed = true;
            _handle?.Dispose();
            _handle = null;
        }
    }

    private bool TryOpen()
    {
        foreach (var candidate in _candidates)
        {
            if (ProcFile.TryOpen(candidate, out _) is { } handle)
            {
                _handle = handle;
                _path = candidate;
                return true;
            }
        }

        return false;
    }

    private bool ReadAppended()
    {
        var length = RandomAccess.GetLength(_handle!);
        if (length <= _offset)
        {
            return false;
        }

        var added = new List<(ulong Start, ulong End, Symbol Symbol)>();
        var buffer = new byte[(int)Math.Min(ChunkBytes, length - _offset)];
        while (_offset < length)
        {
            var read = RandomAccess.Read(_handle!, buffer, _offset);
            if (read <= 0)
            {
                break;
            }

            var data = buffer.AsSpan(0, read);
            var lastNewline = data.LastIndexOf((byte)'\n');
            if (lastNewline < 0)
            {
                // A line longer than the buffer is skipped; an incomplete last line waits for the next read.
                if (read == buffer.Length)
                {
                    _offset += read;
                    continue;
                }

                break;
            }

            ParseLines(data[..lastNewline], added);
            _offset += lastNewline + 1;
        }

        if (added.Count == 0)
        {
            return false;
        }

        Volatile.Write(ref _table, (_replaceOnRead ? Table.Empty : _table).Merge(added));
        _replaceOnRead = false;
        return true;
    }

    private void ParseLines(ReadOnlySpan<byte> text, List<(ulong Start, ulong End, Symbol Symbol)> added)
    {
        var room = _maxEntries - _table.Starts.Length;
        foreach (var range in text.Split((byte)'\n'))
        {
            var line = text[range];
            if (!PerfMapLine.TryParse(line, out var start, out var size, out var name, out var module) || size == 0)
            {
                continue;
            }

            if (added.Count >= room)
            {
                Interlocked.Increment(ref _dropped);
                continue;
            }

            if (!_symbols.TryGetValue((name, module), out var symbol))
            {
                symbol = new Symbol(name, module, FrameKind.Jit);
                _symbols[(name, module)] = symbol;
            }

            added.Add((start, start + size, symbol));
        }
    }

    /// <summary>Entries sorted by start; among equal starts, in the order they were appended.</summary>
    private sealed record Table(ulong[] Starts, ulong[] Ends, Symbol[] Symbols)
    {
        public static readonly Table Empty = new([], [], []);

        public Table Merge(List<(ulong Start, ulong End, Symbol Symbol)> added)
        {
            // A stable sort keeps append order among equal starts, so the later entry wins lookups.
            var sorted = added.Select((e, i) => (e, i)).OrderBy(x => x.e.Start).ThenBy(x => x.i).Select(x => x.e).ToArray();
            var count = Starts.Length + sorted.Length;
            var starts = new ulong[count];
            var ends = new ulong[count];
            var symbols = new Symbol[count];
            int a = 0, b = 0;
            for (var k = 0; k < count; k++)
            {
                if (b >= sorted.Length || (a < Starts.Length && Starts[a] <= sorted[b].Start))
                {
                    (starts[k], ends[k], symbols[k]) = (Starts[a], Ends[a], Symbols[a]);
                    a++;
                }
                else
                {
                    (starts[k], ends[k], symbols[k]) = sorted[b];
                    b++;
                }
            }

            return new Table(starts, ends, symbols);
        }
    }
}
