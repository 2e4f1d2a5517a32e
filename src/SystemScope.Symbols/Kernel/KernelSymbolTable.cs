using System.Buffers;
using System.Globalization;
using System.Text;

namespace SystemScope.Symbols.Kernel;

/// <summary>
/// <c>/proc/kallsyms</c> as sorted arrays. kallsyms has no sizes: a symbol ends where the next one
/// starts. Data symbols are kept only to end the code before them; an address that falls in data (or
/// past the last symbol) is not named after code. Names stay UTF-8 until a frame needs one.
/// </summary>
internal sealed class KernelSymbolTable
{
    public const string CoreModule = "kernel";

    private const ulong LastSymbolExtent = 4096;

    private readonly ulong[] _starts;
    private readonly ulong[] _ends;
    private readonly int[] _nameOffsets;
    private readonly ushort[] _modules;
    private readonly bool[] _isCode;
    private readonly byte[] _names;
    private readonly string[] _moduleNames;

    private KernelSymbolTable(ulong[] starts, ulong[] ends, int[] nameOffsets, ushort[] modules, bool[] isCode, byte[] names, string[] moduleNames)
    {
        _starts = starts;
        _ends = ends;
        _nameOffsets = nameOffsets;
        _modules = modules;
        _isCode = isCode;
        _names = names;
        _moduleNames = moduleNames;
    }

    public static KernelSymbolTable Empty { get; } = new([], [], [], [], [], [], [CoreModule]);

    public int Count => _starts.Length;

    /// <summary>Parses kallsyms text. All-zero addresses (kptr_restrict, not root) give an empty table.</summary>
    public static KernelSymbolTable Parse(ReadOnlySpan<byte> text)
    {
        var builder = new Builder();
        foreach (var range in text.Split((byte)'\n'))
        {
            builder.Add(text[range]);
        }

        return builder.Build();
    }

    /// <summary>
    /// Parses kallsyms as it streams in, a chunk at a time: the file is several MiB of text that would
    /// otherwise sit in the large-object heap long after the table is built.
    /// </summary>
    public static KernelSymbolTable Parse(Stream stream)
    {
        var builder = new Builder();
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            var kept = 0;
            int read;
            while ((read = stream.Read(buffer, kept, buffer.Length - kept)) > 0)
            {
                var data = buffer.AsSpan(0, kept + read);
                var lastNewline = data.LastIndexOf((byte)'\n');
                if (lastNewline < 0)
                {
                    // A line longer than the buffer is not kallsyms: skip it.
                    kept = 0;
                    continue;
                }

                foreach (var range in data[..lastNewline].Split((byte)'\n'))
                {
                    builder.Add(data[..lastNewline][range]);
                }

                var rest = data[(lastNewline + 1)..];
                rest.CopyTo(buffer);
                kept = rest.Length;
            }

            builder.Add(buffer.AsSpan(0, kept));
            return builder.Build();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The index of the code symbol containing <paramref name="address"/>, or -1.</summary>
    public int Find(ulong address)
    {
        var index = Elf.FunctionTable.UpperBound(_starts, address) - 1;
        return index >= 0 && address < _ends[index] && _isCode[index] ? index : -1;
    }

    public ulong StartOf(int index) => _starts[index];

    public string NameOf(int index)
    {
        var rest = _names.AsSpan(_nameOffsets[index]);
        return Encoding.UTF8.GetString(rest[..rest.IndexOf((byte)0)]);
    }

    public string ModuleOf(int index) => _moduleNames[_modules[index]];

    private static bool TryParseLine(ReadOnlySpan<byte> line, out ulong address, out byte type, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> module)
    {
        address = 0;
        type = 0;
        name = module = default;
        var space = line.IndexOf((byte)' ');
        if (space <= 0 || line.Length < space + 4 || line[space + 2] != (byte)' '
            || !ulong.TryParse(line[..space], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out address))
        {
            return false;
        }

        type = line[space + 1];
        var rest = line[(space + 3)..];
        var tab = rest.IndexOf((byte)'\t');
        name = tab < 0 ? rest : rest[..tab];
        if (tab >= 0)
        {
            module = rest[(tab + 1)..].Trim((byte)' ').Trim("[]"u8);
        }

        return !name.IsEmpty;
    }

    /// <summary>Collects kallsyms lines, then sorts them into a table.</summary>
    private sealed class Builder
    {
        // A kernel lists about 100k-200k symbols: start near that to avoid regrowing large arrays.
        private readonly List<(ulong Start, int NameOffset, ushort Module, bool Code)> _entries = new(1 << 17);
        private readonly ArrayBufferWriter<byte> _names = new(4 << 20);
        private readonly List<string> _modules = [CoreModule];
        private readonly Dictionary<string, ushort> _moduleIds = new(StringComparer.Ordinal) { [CoreModule] = 0 };

        public void Add(ReadOnlySpan<byte> line)
        {
            if (!TryParseLine(line, out var address, out var type, out var name, out var module) || address == 0)
            {
                return;
            }

            ushort moduleId = 0;
            if (!module.IsEmpty)
            {
                var moduleName = Encoding.UTF8.GetString(module);
                if (!_moduleIds.TryGetValue(moduleName, out moduleId))
                {
                    moduleId = checked((ushort)_modules.Count);
                    _moduleIds[moduleName] = moduleId;
                    _modules.Add(moduleName);
                }
            }

            _entries.Add((address, _names.WrittenCount, moduleId, (type | 0x20) is (byte)'t' or (byte)'w'));
            _names.Write(name);
            _names.Write([(byte)0]);
        }

        public KernelSymbolTable Build()
        {
            var entries = _entries;

            // By address; among aliases at one address, code before data, then the first listed.
            var order = new int[entries.Count];
            for (var i = 0; i < order.Length; i++)
            {
                order[i] = i;
            }

            Array.Sort(order, (x, y) =>
            {
                var (a, b) = (entries[x], entries[y]);
                var byStart = a.Start.CompareTo(b.Start);
                return byStart != 0 ? byStart : a.Code != b.Code ? (a.Code ? -1 : 1) : x.CompareTo(y);
            });

            var starts = new List<ulong>(order.Length);
            var offsets = new List<int>(order.Length);
            var moduleOf = new List<ushort>(order.Length);
            var code = new List<bool>(order.Length);
            foreach (var i in order)
            {
                if (starts.Count > 0 && starts[^1] == entries[i].Start)
                {
                    continue;
                }

                starts.Add(entries[i].Start);
                offsets.Add(entries[i].NameOffset);
                moduleOf.Add(entries[i].Module);
                code.Add(entries[i].Code);
            }

            var ends = new ulong[starts.Count];
            for (var i = 0; i < ends.Length; i++)
            {
                // The last symbol (a module's or a BPF program's) has no known end: allow one page.
                ends[i] = i + 1 < ends.Length ? starts[i + 1] : starts[i] + LastSymbolExtent;
            }

            return new KernelSymbolTable([.. starts], ends, [.. offsets], [.. moduleOf], [.. code], _names.WrittenSpan.ToArray(), [.. _modules]);
        }
    }
}
