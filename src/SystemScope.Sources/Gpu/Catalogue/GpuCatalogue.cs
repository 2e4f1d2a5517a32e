namespace SystemScope.Sources.Gpu.Catalogue;

/// <summary>
/// Every traced accelerator API and function, as tables: a vendor or a call is an entry in one of the
/// API classes, not code. A function's index here is the attach cookie its probes carry, and what the
/// probes read for it (<see cref="ProbeSpec"/>) is derived from its entry.
/// </summary>
internal sealed class GpuCatalogue
{
    private readonly List<(GpuVendor Vendor, GpuFunction Function)> _functions = [];
    private readonly Dictionary<GpuFunction, int> _indexes = [];

    public GpuCatalogue(IReadOnlyList<GpuVendor> vendors)
    {
        Vendors = vendors;
        foreach (var vendor in vendors)
        {
            foreach (var function in vendor.Functions)
            {
                _indexes[function] = _functions.Count;
                _functions.Add((vendor, function));
            }
        }

        if (_functions.Count > MaxFunctions)
        {
            throw new InvalidOperationException($"the catalogue has {_functions.Count} functions; gpu_functions holds {MaxFunctions}");
        }
    }

    /// <summary>GPU_MAX_FUNCTIONS in bpf/gpu.h.</summary>
    public const int MaxFunctions = 512;

    public static GpuCatalogue Default { get; } = new([CudaDriverApi.Vendor, CudaRuntimeApi.Vendor, HipApi.Vendor, LevelZeroApi.Vendor, OpenClApi.Vendor]);

    public IReadOnlyList<GpuVendor> Vendors { get; }

    public int Count => _functions.Count;

    public (GpuVendor Vendor, GpuFunction Function) this[int index] => _functions[index];

    public int IndexOf(GpuFunction function) => _indexes[function];

    /// <summary>The API a library file belongs to, by its file name (no directory), or null.</summary>
    public GpuVendor? VendorOf(string fileName) => Vendors.FirstOrDefault(v => v.Matches(fileName));

    /// <summary>The file name patterns of every API, for messages.</summary>
    public string Patterns => string.Join(", ", Vendors.SelectMany(v => v.LibraryPatterns));

    /// <summary>What the probes read for a function: struct gpu_function_spec.</summary>
    public static GpuFunctionSpec ProbeSpec(GpuFunction function)
    {
        ArgumentNullException.ThrowIfNull(function);
        var blobs = BlobArguments(function);
        var written = function.Values.Where(v => v.From == ValueFrom.Written).Select(v => v.Argument).Distinct().ToList();
        if (written.Count > 1)
        {
            throw new InvalidOperationException($"{function.Name}: the probes read one written pointer per call, the table names {written.Count}");
        }

        return new GpuFunctionSpec
        {
            OutArgument = (byte)(written.Count == 1 ? written[0] : 0),
            NameArgument = (byte)(function.Names?.NameArgument ?? 0),
            NameDeref = (byte)(function.Names is { FieldOffset: >= 0 } ? 1 : 0),
            NameOffset = (uint)Math.Max(0, function.Names?.FieldOffset ?? 0),
            BlobAArgument = (byte)(blobs.Count > 0 ? blobs[0] : 0),
            BlobBArgument = (byte)(blobs.Count > 1 ? blobs[1] : 0),
        };
    }

    /// <summary>The arguments whose pointees the probes copy at entry, at most two (blob A, blob B), in the order the entry names them.</summary>
    public static IReadOnlyList<int> BlobArguments(GpuFunction function)
    {
        ArgumentNullException.ThrowIfNull(function);
        var arguments = function.Values.Where(v => v.From == ValueFrom.Pointee).Select(v => v.Argument).Distinct().ToList();
        if (arguments.Count > 2)
        {
            throw new InvalidOperationException($"{function.Name}: the probes copy two pointees per call, the table names {arguments.Count}");
        }

        return arguments;
    }
}
