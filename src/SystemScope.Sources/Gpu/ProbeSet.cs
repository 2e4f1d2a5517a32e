using System.Globalization;
using SystemScope.Bpf;
using SystemScope.Sources.Gpu.Catalogue;
using SystemScope.Sources.Kit;

namespace SystemScope.Sources.Gpu;

/// <summary>How one library file's probes attached.</summary>
/// <param name="Functions">Functions traced.</param>
/// <param name="Missing">Required functions the file does not export.</param>
/// <param name="Failed">Functions whose probes did not attach, with the reason.</param>
internal sealed record AttachedLibrary(string Path, GpuVendor Vendor, int Functions, IReadOnlyList<string> Missing, IReadOnlyList<string> Failed, string? Error);

/// <summary>
/// The probes of one attachment of the source (start to pause, resume to dispose): per library file
/// (device and inode), a uretprobe and a uprobe on each catalogued function it exports, carrying the
/// function's catalogue index as cookie. Uprobes live on the file, so one attach covers every process
/// that maps it, now or later. Disposing detaches them all.
/// </summary>
internal sealed class ProbeSet(KitObject kernelObject, GpuCatalogue catalogue) : IDisposable
{
    private readonly Dictionary<(string Device, ulong Inode), AttachedLibrary> _files = [];
    private readonly List<BpfLink> _links = [];

    public bool Disposed { get; private set; }

    public IReadOnlyCollection<AttachedLibrary> Libraries => _files.Values;

    public bool Has((string Device, ulong Inode) file) => _files.ContainsKey(file);

    public AttachedLibrary? Of((string Device, ulong Inode) file) => _files.GetValueOrDefault(file);

    /// <summary>Attaches to a file some processes map (<paramref name="mappings"/>: the same file in each), opened through the first process that still lives.</summary>
    public AttachedLibrary Attach(IReadOnlyList<MappedLibrary> mappings)
    {
        ObjectDisposedException.ThrowIf(Disposed, this);
        var first = mappings[0];
        var vendor = first.Vendor;
        var wanted = vendor.Functions.Select(f => f.Name).ToHashSet(StringComparer.Ordinal);
        IReadOnlyDictionary<string, ulong> symbols = new Dictionary<string, ulong>();
        string? openPath = null, error = null;
        foreach (var path in mappings.Select(m => m.OpenPath).Append(first.Deleted ? null : first.Path))
        {
            if (path is null)
            {
                continue;
            }

            symbols = LibrarySymbols.Read(path, wanted, out error);
            if (error is null)
            {
                openPath = path;
                break;
            }
        }

        if (openPath is null)
        {
            // Every process that mapped it is gone, or the file is unreadable: tried again at the next scan.
            return new AttachedLibrary(first.Path, vendor, 0, [], [], error ?? "no process maps it any more");
        }

        var missing = new List<string>();
        var failed = new List<string>();
        var attachedOffsets = new HashSet<ulong>();
        var functions = 0;
        foreach (var function in vendor.Functions)
        {
            if (!symbols.TryGetValue(function.Name, out var offset))
            {
                if (!function.Optional)
                {
                    missing.Add(function.Name);
                }

                continue;
            }

            // Two names of one function (an alias): one pair of probes, or each call would count twice.
            if (!attachedOffsets.Add(offset))
            {
                continue;
            }

            var cookie = (ulong)catalogue.IndexOf(function);
            BpfLink? exit = null;
            try
            {
                // The return first: an entry without its return would leave a call open on the thread.
                exit = kernelObject.Program(GpuSchema.Return).AttachUprobe(openPath, offset, returnProbe: true, cookie, function.Name);
                _links.Add(kernelObject.Program(GpuSchema.Entry).AttachUprobe(openPath, offset, returnProbe: false, cookie, function.Name));
                _links.Add(exit);
                functions++;
            }
            catch (BpfException ex)
            {
                exit?.Dispose();
                failed.Add(string.Create(CultureInfo.InvariantCulture, $"{function.Name}: {Errno.Describe(ex.Errno)}"));
            }
        }

        var library = new AttachedLibrary(first.Path, vendor, functions, missing, failed, null);
        _files[first.File] = library;
        return library;
    }

    public void Dispose()
    {
        if (Disposed)
        {
            return;
        }

        Disposed = true;
        foreach (var link in _links)
        {
            link.Dispose();
        }

        _links.Clear();
    }
}
