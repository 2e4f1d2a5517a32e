using SystemScope.Symbols.Binaries;
using SystemScope.Symbols.Elf;
using SystemScope.Symbols.Support;

namespace SystemScope.Symbols.Processes;

/// <summary>
/// The vDSO the kernel maps into every process (<c>[vdso]</c>), parsed like a shared library so that
/// its functions (<c>__vdso_clock_gettime</c> …, and by their FDEs the helpers they call) are named.
/// Every 64-bit process of one kernel maps the same image, so it is read once, from this process's
/// own mapping; a process whose mapping differs (a 32-bit one) has its own image read from its
/// memory while it runs.
/// </summary>
internal sealed class VdsoImages(string procRoot, FailureLog failures)
{
    public const string Module = "[vdso]";

    // The vDSO is two pages or so; anything much larger is not one.
    private const ulong MaxImageBytes = 1024 * 1024;
    private const int MaxOtherImages = 8;

    private readonly Lock _gate = new();
    private readonly Dictionary<(ulong Length, string BuildId), BinaryImage> _others = [];
    private Lazy<(ulong Length, BinaryImage? Image)> _own = new(() => ReadOwn(procRoot, failures));

    /// <summary>The parsed image behind a process's <c>[vdso]</c> mapping, or null (then its frames are named by offset).</summary>
    public BinaryImage? For(int pid, RawMapping mapping)
    {
        var length = mapping.End - mapping.Start;
        var (ownLength, own) = _own.Value;
        if (own is not null && ownLength == length)
        {
            return own;
        }

        var bytes = TryReadMemory($"{procRoot}/{pid}/mem", mapping.Start, length, out var error);
        var image = bytes is null ? null : Parse(bytes, out error);
        if (image is null)
        {
            failures.Record(pid, "vdso", $"cannot read the vDSO of process {pid}: {error}");
            return null;
        }

        lock (_gate)
        {
            var key = (length, image.BuildId ?? string.Empty);
            if (_others.TryGetValue(key, out var known))
            {
                return known;
            }

            if (_others.Count < MaxOtherImages)
            {
                _others[key] = image;
            }

            return image;
        }
    }

    /// <summary>Forgets the images; the next process reads them again.</summary>
    public void Clear()
    {
        _own = new(() => ReadOwn(procRoot, failures));
        lock (_gate)
        {
            _others.Clear();
        }
    }

    private static (ulong, BinaryImage?) ReadOwn(string procRoot, FailureLog failures)
    {
        var maps = ProcFile.TryReadAll($"{procRoot}/self/maps");
        var vdso = maps is null ? null : MapsParser.ParseExecutable(maps).Where(m => m.Path == Module).Select(m => (RawMapping?)m).FirstOrDefault();
        if (vdso is not { } mapping)
        {
            return (0, null); // no vDSO here (vdso=0 on the kernel command line): each process's own is read
        }

        var length = mapping.End - mapping.Start;
        var bytes = TryReadMemory($"{procRoot}/self/mem", mapping.Start, length, out var error);
        var image = bytes is null ? null : Parse(bytes, out error);
        if (image is null)
        {
            failures.Record(0, "vdso", $"cannot read this process's vDSO: {error}");
        }

        return (length, image);
    }

    private static byte[]? TryReadMemory(string path, ulong start, ulong length, out string? error)
    {
        if (length is 0 or > MaxImageBytes || start > long.MaxValue)
        {
            error = $"a mapping of {length} bytes is not a vDSO";
            return null;
        }

        using var handle = ProcFile.TryOpen(path, out error);
        if (handle is null)
        {
            return null;
        }

        var bytes = new byte[length];
        try
        {
            var done = 0;
            while (done < bytes.Length)
            {
                var read = RandomAccess.Read(handle, bytes.AsSpan(done), (long)start + done);
                if (read <= 0)
                {
                    error = $"{path}: short read at 0x{start + (ulong)done:x}";
                    return null;
                }

                done += read;
            }

            return bytes;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = $"{path}: {ex.Message}";
            return null;
        }
    }

    private static BinaryImage? Parse(byte[] bytes, out string? error)
    {
        if (!ElfFile.TryOpen(bytes, out var elf, out error) || elf is null)
        {
            return null;
        }

        var segments = elf.Segments
            .Where(s => s.Type == ElfProgramHeader.PtLoad && s.FileSize > 0)
            .Select(s => new LoadSegment(s.Offset, s.FileSize, s.VirtualAddress))
            .ToArray();
        if (!ElfFunctionReader.TryRead(elf, ".dynsym", ElfSection.ShtDynsym, out var functions, out error))
        {
            return null;
        }

        // The static helpers the exported time functions call have FDEs but no symbols: fn_HEXSTART.
        return new BinaryImage(elf.ReadBuildId(), segments, BinaryLoader.WithFdeFunctions(elf, functions), Module, null);
    }
}
