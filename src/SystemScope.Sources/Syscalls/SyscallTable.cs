using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SystemScope.Bpf;
using SystemScope.Sources.Kit;

namespace SystemScope.Sources.Syscalls;

/// <summary>48 bytes of a name in struct syscall_table_entry.</summary>
[InlineArray(48)]
internal struct Name48
{
    private byte _first;
}

/// <summary>struct syscall_table_entry (bpf/syscall_table.bpf.c).</summary>
[StructLayout(LayoutKind.Explicit, Size = 72)]
internal struct SyscallTableEntry
{
    [FieldOffset(0)] public int Number;
    [FieldOffset(4)] public uint ArgumentCount;
    [FieldOffset(8)] public Name48 Name;
    [FieldOffset(56)] public Comm16 FirstArgument;

    public static readonly RecordLayout<SyscallTableEntry> Layout = RecordLayout<SyscallTableEntry>.Of("syscall_table_entry")
        .Member("nr", static (ref SyscallTableEntry e) => ref e.Number)
        .Member("nb_args", static (ref SyscallTableEntry e) => ref e.ArgumentCount)
        .Member("name", static (ref SyscallTableEntry e) => ref e.Name)
        .Member("arg0", static (ref SyscallTableEntry e) => ref e.FirstArgument);
}

/// <summary>
/// Syscall names and first arguments by number, from the running kernel's own table: the ftrace
/// syscall metadata the <c>syscalls:*</c> tracepoints are made from (read once by a BPF program run
/// with BPF_PROG_TEST_RUN, nothing attached), so every architecture and kernel version names its own
/// syscalls and no list is kept here. Where the kernel has no syscall tracepoints the names are
/// <c>syscall_N</c> and <see cref="Problem"/> says why.
/// </summary>
internal sealed class SyscallTable
{
    private const int MaxEntries = 1024;

    private static readonly ObjectSchema Schema = new("syscall_table.bpf.o");
    private static readonly MapRef<uint, SyscallTableEntry> Entries = Schema.Map<uint, SyscallTableEntry>("syscall_table", ScalarLayout.U32, SyscallTableEntry.Layout);
    private static readonly ConstantRef<ulong> MetadataStart = Schema.Constant<ulong>("metadata_start");
    private static readonly ConstantRef<uint> MetadataCount = Schema.Constant<uint>("metadata_count");
    private static readonly ProgramRef Reader = Schema.Program("read_syscall_table");
    private static readonly Lazy<SyscallTable> Kernel = new(Read);

    private readonly Dictionary<int, (string Name, string FirstArgument)> _byNumber;
    private readonly Dictionary<string, int> _byName;

    internal SyscallTable(Dictionary<int, (string Name, string FirstArgument)> byNumber, string? problem)
    {
        _byNumber = byNumber;
        _byName = byNumber.ToDictionary(e => e.Value.Name, e => e.Key, StringComparer.Ordinal);
        Problem = problem;
    }

    /// <summary>The running kernel's table, read once per agent.</summary>
    public static SyscallTable Current => Kernel.Value;

    /// <summary>Why the names are numbers, or null when the kernel's table was read.</summary>
    public string? Problem { get; }

    public int Count => _byNumber.Count;

    public IEnumerable<string> Names => _byName.Keys.Order(StringComparer.Ordinal);

    public string NameOf(int number) =>
        _byNumber.TryGetValue(number, out var entry) ? entry.Name : "syscall_" + number.ToString(CultureInfo.InvariantCulture);

    /// <summary>Whether the first argument is a file descriptor (named <c>fd</c>, <c>epfd</c>, <c>oldfd</c> … in the kernel's declaration).</summary>
    public bool TakesFd(int number) =>
        _byNumber.TryGetValue(number, out var entry) && (entry.FirstArgument.EndsWith("fd", StringComparison.Ordinal) || entry.FirstArgument == "fildes");

    public int? NumberOf(string name)
    {
        if (_byName.TryGetValue(name, out var nr))
        {
            return nr;
        }

        return name.StartsWith("syscall_", StringComparison.Ordinal) && int.TryParse(name.AsSpan("syscall_".Length), NumberStyles.None, CultureInfo.InvariantCulture, out nr) ? nr : null;
    }

    private static SyscallTable Read()
    {
        try
        {
            var (start, stop) = MetadataBounds();
            if (start == 0 || stop <= start)
            {
                return new SyscallTable([], "the kernel has no syscall tracepoint metadata (CONFIG_FTRACE_SYSCALLS), or /proc/kallsyms hides addresses (kernel.kptr_restrict)");
            }

            var count = (uint)Math.Min(MaxEntries, (stop - start) / sizeof(ulong));
            using var obj = KitObject.Load(Schema, shared: null, setup =>
            {
                setup.Set(MetadataStart, start);
                setup.Set(MetadataCount, count);
            });
            obj.Program(Reader).RunOnce();
            var map = obj.Map(Entries);
            var table = new Dictionary<int, (string, string)>();
            for (var i = 0u; i < count; i++)
            {
                if (!map.TryLookup(i, out SyscallTableEntry entry) || entry.Number < 0)
                {
                    continue;
                }

                ReadOnlySpan<byte> raw = entry.Name;
                var name = System.Text.Encoding.UTF8.GetString(raw[..Comm16.LengthOf(raw)]);
                name = name.StartsWith("sys_", StringComparison.Ordinal) ? name["sys_".Length..] : name;
                if (name.Length > 0)
                {
                    table.TryAdd(entry.Number, (name, entry.FirstArgument.ToString()));
                }
            }

            return new SyscallTable(table, table.Count == 0 ? "the kernel's syscall metadata holds no numbered entries" : null);
        }
        catch (Exception ex) when (ex is BpfException or IOException or UnauthorizedAccessException or FileNotFoundException)
        {
            return new SyscallTable([], "the kernel's syscall table could not be read: " + ex.Message);
        }
    }

    /// <summary>The addresses around the metadata pointer array, from /proc/kallsyms.</summary>
    private static (ulong Start, ulong Stop) MetadataBounds()
    {
        ulong start = 0, stop = 0;
        foreach (var line in File.ReadLines("/proc/kallsyms"))
        {
            if (!line.Contains("syscalls_metadata", StringComparison.Ordinal))
            {
                continue;
            }

            var parts = line.Split(' ', 3);
            if (parts.Length < 3 || !ulong.TryParse(parts[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var address))
            {
                continue;
            }

            if (parts[2] == "__start_syscalls_metadata")
            {
                start = address;
            }
            else if (parts[2] == "__stop_syscalls_metadata")
            {
                stop = address;
            }

            if (start != 0 && stop != 0)
            {
                break;
            }
        }

        return (start, stop);
    }
}
