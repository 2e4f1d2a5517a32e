using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;

namespace SystemScope.Sources.Syscalls;

/// <summary>
/// Syscall names by number for the architecture the agent runs on, from the kernel's own ABI headers
/// (made at build time by <c>tools/syscall-table.sh</c> and embedded: numbers never change once
/// given), and each syscall's first argument from the running kernel's tracepoint format files
/// (<c>events/syscalls/sys_enter_NAME/format</c>), read when first needed. A number without a name
/// (a syscall newer than the headers) reads <c>syscall_N</c>.
/// </summary>
internal sealed class SyscallTable
{
    private static readonly Lazy<SyscallTable> ForThisMachine = new(() => Load(RuntimeInformation.ProcessArchitecture));

    private readonly Dictionary<int, string> _byNumber;
    private readonly Dictionary<string, int> _byName;
    private readonly ConcurrentDictionary<int, bool> _takesFd = new();

    internal SyscallTable(Dictionary<int, string> byNumber, string? problem)
    {
        _byNumber = byNumber;
        _byName = byNumber.ToDictionary(e => e.Value, e => e.Key, StringComparer.Ordinal);
        Problem = problem;
    }

    /// <summary>The table of the architecture the agent runs on.</summary>
    public static SyscallTable Current => ForThisMachine.Value;

    /// <summary>Why the names are numbers, or null.</summary>
    public string? Problem { get; }

    public int Count => _byNumber.Count;

    public IEnumerable<string> Names => _byName.Keys.Order(StringComparer.Ordinal);

    public string NameOf(int number) =>
        _byNumber.TryGetValue(number, out var name) ? name : "syscall_" + number.ToString(CultureInfo.InvariantCulture);

    public int? NumberOf(string name)
    {
        if (_byName.TryGetValue(name, out var nr))
        {
            return nr;
        }

        return name.StartsWith("syscall_", StringComparison.Ordinal) && int.TryParse(name.AsSpan("syscall_".Length), NumberStyles.None, CultureInfo.InvariantCulture, out nr) ? nr : null;
    }

    /// <summary>
    /// Whether the first argument is a file descriptor, as the kernel declares it (<c>fd</c>, <c>epfd</c>,
    /// <c>oldfd</c> …, in the tracepoint's format file; <see cref="Tracefs"/>). False without tracefs.
    /// </summary>
    public bool TakesFd(int number) => _takesFd.GetOrAdd(number, nr =>
        _byNumber.TryGetValue(nr, out var name) && FirstArgument(name) is { } arg && (arg.EndsWith("fd", StringComparison.Ordinal) || arg == "fildes"));

    internal static SyscallTable Load(Architecture architecture)
    {
        var file = architecture switch
        {
            Architecture.X64 => "x86_64.tbl",
            Architecture.Arm64 => "arm64.tbl",
            _ => null,
        };
        using var stream = file is null ? null : typeof(SyscallTable).Assembly.GetManifestResourceStream("syscalls/" + file);
        if (stream is null)
        {
            return new SyscallTable([], $"no syscall table for {architecture} in this build: names are numbers");
        }

        var table = new Dictionary<int, string>();
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            var parts = line.Split(' ', 2);
            if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var nr))
            {
                table.TryAdd(nr, parts[1]);
            }
        }

        return new SyscallTable(table, null);
    }

    /// <summary>The name of the first field after <c>__syscall_nr</c> in the syscall's enter tracepoint, or null.</summary>
    private static string? FirstArgument(string name)
    {
        if (Tracefs.Root is { } root)
        {
            try
            {
                var seenNumber = false;
                foreach (var line in File.ReadLines($"{root}/events/syscalls/sys_enter_{name}/format"))
                {
                    var field = line.AsSpan().Trim();
                    if (!field.StartsWith("field:", StringComparison.Ordinal))
                    {
                        continue;
                    }

                    // "field:unsigned int fd;	offset:16;	size:8;	signed:0;": the word before the first ';'.
                    var declaration = field[..field.IndexOf(';')];
                    var word = declaration[(declaration.LastIndexOfAny(' ', '*') + 1)..].ToString();
                    if (seenNumber)
                    {
                        return word;
                    }

                    seenNumber = word == "__syscall_nr";
                }

                return null;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // no such event on this kernel
            }
        }

        return null;
    }
}
