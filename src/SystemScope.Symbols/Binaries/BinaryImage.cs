using SystemScope.Symbols.Dwarf;
using SystemScope.Symbols.Elf;

namespace SystemScope.Symbols.Binaries;

/// <summary>
/// What symbolisation keeps of one binary: its load segments (to turn file offsets into ELF virtual
/// addresses) and its function table. Immutable except for the per-module symbol caches.
/// </summary>
internal sealed class BinaryImage
{
    private readonly Lock _gate = new();
    private ModuleView[] _views = [];
    private long _lastUsedTicks = Environment.TickCount64;

    public BinaryImage(string? buildId, LoadSegment[] segments, FunctionTable functions, string symbolSource, string? error)
    {
        BuildId = buildId;
        Segments = segments;
        Functions = functions;
        SymbolSource = symbolSource;
        Error = error;
    }

    public string? BuildId { get; }

    public LoadSegment[] Segments { get; }

    public FunctionTable Functions { get; }

    /// <summary>The functions inlined at each address; empty unless inline frames are on and the binary has debug info.</summary>
    public InlineTable Inlines { get; private set; } = InlineTable.Empty;

    /// <summary>Where the functions came from: <c>.symtab</c>, <c>.dynsym</c>, a debug file path, or <c>none</c>.</summary>
    public string SymbolSource { get; }

    /// <summary>
    /// The assembly name when the functions are precompiled .NET methods (a ReadyToRun image): frames
    /// then carry it as module, as the perf map's jitted tiers of the same methods do.
    /// </summary>
    public string? ManagedAssembly { get; init; }

    /// <summary>Why the binary could not be read, when it could not (not ELF, unreadable …).</summary>
    public string? Error { get; }

    public long EstimatedBytes => Functions.EstimatedBytes + Inlines.EstimatedBytes + (Segments.Length * 24L) + (Volatile.Read(ref _views).Length * (Functions.Count * 8L + 64));

    public long LastUsedTicks => Volatile.Read(ref _lastUsedTicks);

    public static BinaryImage Failed(string error) => new(null, [], FunctionTable.Empty, "none", error);

    /// <summary>Set once by the loader, before the image is cached and shared.</summary>
    public void AttachInlines(InlineTable inlines) => Inlines = inlines;

    public void Touch() => Volatile.Write(ref _lastUsedTicks, Environment.TickCount64);

    /// <summary>File offset → ELF virtual address through the PT_LOAD segment that holds it.</summary>
    public bool TryToVirtual(ulong fileOffset, out ulong address)
    {
        foreach (var segment in Segments)
        {
            if (fileOffset >= segment.Offset && fileOffset - segment.Offset < segment.FileSize)
            {
                address = fileOffset - segment.Offset + segment.VirtualAddress;
                return true;
            }
        }

        address = 0;
        return false;
    }

    /// <summary>The symbols of this binary as named by one module name (the same binary can be mapped under several names).</summary>
    public ModuleView View(string module)
    {
        foreach (var view in Volatile.Read(ref _views))
        {
            if (view.Module == module)
            {
                return view;
            }
        }

        lock (_gate)
        {
            foreach (var view in _views)
            {
                if (view.Module == module)
                {
                    return view;
                }
            }

            var created = new ModuleView(this, module);
            Volatile.Write(ref _views, [.. _views, created]);
            return created;
        }
    }
}
