using SystemScope.Core.Events.Gpu;

namespace SystemScope.Sources.Gpu.Catalogue;

/// <summary>Where a value of a call is found in what the probes captured.</summary>
internal enum ValueFrom : byte
{
    None,

    /// <summary>An argument's value (1-based; 7 and on come from the stack).</summary>
    Argument,

    /// <summary>The low 32 bits of an argument (an <c>unsigned int</c> or an enum).</summary>
    Argument32,

    /// <summary>A field of the struct an argument points to, copied at entry.</summary>
    Pointee,

    /// <summary>What the call wrote through a pointer argument, read at return.</summary>
    Written,

    /// <summary>The return value.</summary>
    Return,
}

/// <summary>One value of a call: its kind, the argument (1-based) and, for a pointee, the field's offset and width.</summary>
internal readonly record struct ValueRef(ValueFrom From, int Argument = 0, int Offset = 0, int Width = 8)
{
    public static ValueRef None => default;

    public static ValueRef Returned => new(ValueFrom.Return);

    public static ValueRef Arg(int argument) => new(ValueFrom.Argument, argument);

    public static ValueRef Arg32(int argument) => new(ValueFrom.Argument32, argument);

    public static ValueRef Field(int argument, int offset, int width = 8) => new(ValueFrom.Pointee, argument, offset, width);

    public static ValueRef WrittenThrough(int argument) => new(ValueFrom.Written, argument);

    public bool IsSet => From != ValueFrom.None;
}

/// <summary>How a launch's grid or block dimensions are passed.</summary>
internal enum DimsFrom : byte
{
    None,

    /// <summary>Three <c>unsigned int</c> arguments in a row (<c>cuLaunchKernel</c>).</summary>
    Arguments,

    /// <summary>A <c>dim3</c> by value: x and y packed in one register, z in the next (<c>cudaLaunchKernel</c>).</summary>
    ByValue,

    /// <summary>Three <c>uint32_t</c> at an offset of the struct an argument points to (a launch config, <c>ze_group_count_t</c>).</summary>
    Pointee32,

    /// <summary>A <c>size_t[work_dim]</c> an argument points to, its length in another argument (OpenCL).</summary>
    PointeeSizes,
}

internal readonly record struct DimsRef(DimsFrom From, int Argument = 0, int Offset = 0, int CountArgument = 0)
{
    public static DimsRef None => default;

    public static DimsRef Args(int first) => new(DimsFrom.Arguments, first);

    public static DimsRef Dim3(int first) => new(DimsFrom.ByValue, first);

    public static DimsRef Field(int argument, int offset) => new(DimsFrom.Pointee32, argument, offset);

    public static DimsRef Sizes(int argument, int countArgument) => new(DimsFrom.PointeeSizes, argument, 0, countArgument);
}

/// <summary>
/// A call that names a kernel (<c>cuModuleGetFunction</c>, <c>clCreateKernel</c>): the name is the string
/// argument <paramref name="NameArgument"/> points to (or, with <paramref name="FieldOffset"/>, the
/// string a field of the struct it points to points to); <paramref name="Handle"/> is the handle launches
/// will name the kernel by.
/// </summary>
internal sealed record NameLookup(int NameArgument, ValueRef Handle, int FieldOffset = -1);

/// <summary>
/// One traced function of an accelerator API, as a table entry: what it does and where its key values
/// are. Argument numbers are 1-based, as in the API's documentation.
/// </summary>
internal sealed record GpuFunction(string Name, GpuCallClass Class)
{
    public ValueRef Bytes { get; init; }

    public ValueRef Stream { get; init; }

    /// <summary>What <see cref="Stream"/> is called in this API (stream, queue, fence, event), for the timeline.</summary>
    public string StreamNoun { get; init; } = "stream";

    /// <summary>An argument holding a <c>cudaMemcpyKind</c>/<c>hipMemcpyKind</c> (1 host→device, 2 device→host, 3 device→device); 0: the class says.</summary>
    public int CopyKindArgument { get; init; }

    public DimsRef Grid { get; init; }

    public DimsRef Block { get; init; }

    /// <summary>Launches by handle: the handle whose name a <see cref="NameLookup"/> call gave.</summary>
    public ValueRef KernelHandle { get; init; }

    /// <summary>Launches by host stub (the runtime APIs): the stub's address, named by the symboliser.</summary>
    public ValueRef KernelAddress { get; init; }

    /// <summary>Allocations: the address returned; frees: the address released.</summary>
    public ValueRef DevicePointer { get; init; }

    /// <summary>The API's status code; by default the return value.</summary>
    public ValueRef Result { get; init; } = ValueRef.Returned;

    public NameLookup? Names { get; init; }

    /// <summary>A variant that builds of the library may lack (<c>_ptsz</c>, newer calls): not reported as missing.</summary>
    public bool Optional { get; init; }

    private IReadOnlyList<int>? _blobArguments;

    /// <summary>The arguments whose pointees the probes copy (blob A, blob B).</summary>
    public IReadOnlyList<int> BlobArguments => _blobArguments ??= GpuCatalogue.BlobArguments(this);

    /// <summary>Every value reference of the entry, for deriving what the probes must read.</summary>
    public IEnumerable<ValueRef> Values =>
    [
        Bytes, Stream, KernelHandle, KernelAddress, DevicePointer, Result, Names?.Handle ?? ValueRef.None,
        DimsValue(Grid), DimsValue(Block),
    ];

    private static ValueRef DimsValue(DimsRef dims) => dims.From is DimsFrom.Pointee32 or DimsFrom.PointeeSizes ? ValueRef.Field(dims.Argument, dims.Offset) : ValueRef.None;
}

/// <summary>An accelerator API: its id (the <c>Vendor</c> of its calls), the library file names it lives in, its traced functions.</summary>
internal sealed record GpuVendor(string Id, string Title, IReadOnlyList<string> LibraryPatterns, IReadOnlyList<GpuFunction> Functions)
{
    /// <summary>Whether a file name (no directory) is one of this API's libraries: <c>libcuda.so.1</c> for <c>libcuda.so*</c>.</summary>
    public bool Matches(string fileName) => LibraryPatterns.Any(p => Glob(p, fileName));

    /// <summary>Shell-style match where <c>*</c> stands for any run of characters.</summary>
    internal static bool Glob(ReadOnlySpan<char> pattern, ReadOnlySpan<char> name)
    {
        while (!pattern.IsEmpty)
        {
            if (pattern[0] == '*')
            {
                for (var skip = 0; skip <= name.Length; skip++)
                {
                    if (Glob(pattern[1..], name[skip..]))
                    {
                        return true;
                    }
                }

                return false;
            }

            if (name.IsEmpty || name[0] != pattern[0])
            {
                return false;
            }

            pattern = pattern[1..];
            name = name[1..];
        }

        return name.IsEmpty;
    }
}
