using SystemScope.Core.Symbols;
using SystemScope.Symbols.Binaries;
using SystemScope.Symbols.Support;

namespace SystemScope.Symbols.Processes;

/// <summary>What an executable mapping holds, which decides how its addresses are resolved.</summary>
internal enum MappingKind : byte
{
    /// <summary>A file (ELF, or something else such as a .NET ReadyToRun image).</summary>
    File,

    /// <summary>Code generated at run time: anonymous memory, <c>[anon:…]</c>, <c>memfd:doublemapper</c>. Looked up in the perf map.</summary>
    Jit,

    /// <summary>Kernel-provided special regions such as <c>[vdso]</c> (resolved through its image when read) or <c>[vsyscall]</c>.</summary>
    Special,
}

/// <summary>One line of <c>/proc/PID/maps</c> with execute permission, as read.</summary>
internal readonly record struct RawMapping(ulong Start, ulong End, ulong Offset, uint Device, ulong Inode, string Path, string Range);

/// <summary>An executable mapping of a snapshot, with the binary it maps when it is a file.</summary>
internal sealed class ExecutableMapping
{
    private const string DeletedSuffix = " (deleted)";

    private UnknownFrames.Module? _unknown;

    public ExecutableMapping(RawMapping raw, BinaryRef? binary)
    {
        Raw = raw;
        (Kind, Module, FilePath) = Classify(raw.Path);
        Binary = binary;
    }

    public RawMapping Raw { get; }

    public ulong Start => Raw.Start;

    public ulong End => Raw.End;

    public MappingKind Kind { get; }

    /// <summary>The name frames carry: the file's base name (<c>libc.so.6</c>), <c>memfd:doublemapper</c>, <c>[vdso]</c>, <c>[anon]</c>.</summary>
    public string Module { get; }

    /// <summary>The mapped file's path without the <c>(deleted)</c> mark; empty for non-files.</summary>
    public string FilePath { get; }

    /// <summary>The binary of a file mapping, or the vDSO's image.</summary>
    public BinaryRef? Binary { get; }

    /// <summary>Offset of <paramref name="address"/> in the mapped file (for anonymous memory, in the mapping).</summary>
    public ulong FileOffset(ulong address) => Kind == MappingKind.File || Module.StartsWith("memfd:", StringComparison.Ordinal)
        ? address - Raw.Start + Raw.Offset
        : address - Raw.Start;

    /// <summary>The frame for an address of this mapping that nothing names.</summary>
    public Symbol Unknown(ulong address, UnknownFrames unknown)
    {
        _unknown ??= unknown.For(Module);
        return _unknown.Get(FileOffset(address));
    }

    public static (MappingKind Kind, string Module, string FilePath) Classify(string path)
    {
        if (path.Length == 0)
        {
            return (MappingKind.Jit, "[anon]", string.Empty);
        }

        if (path.StartsWith("[anon", StringComparison.Ordinal))
        {
            return (MappingKind.Jit, path, string.Empty);
        }

        if (path[0] != '/')
        {
            return (MappingKind.Special, path, string.Empty);
        }

        var file = path.EndsWith(DeletedSuffix, StringComparison.Ordinal) ? path[..^DeletedSuffix.Length] : path;
        if (file.StartsWith("/memfd:", StringComparison.Ordinal))
        {
            return (MappingKind.Jit, file[1..], string.Empty);
        }

        var slash = file.LastIndexOf('/');
        return (MappingKind.File, file[(slash + 1)..], file);
    }
}
