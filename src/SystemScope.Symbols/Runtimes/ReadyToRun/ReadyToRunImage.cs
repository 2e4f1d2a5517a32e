using System.Collections.Immutable;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
using SystemScope.Symbols.Binaries;
using SystemScope.Symbols.Elf;

namespace SystemScope.Symbols.Runtimes.ReadyToRun;

/// <summary>
/// Reads the precompiled code of a .NET ReadyToRun image (a PE file such as
/// <c>System.Private.CoreLib.dll</c>): the READYTORUN_HEADER found through the CLI header's
/// ManagedNativeHeader directory, its RuntimeFunctions (code ranges), MethodDefEntryPoints (which
/// method starts at which runtime function) and DebugInfo (which runtime functions start a method at
/// all), InstanceMethodEntryPoints (generic code) and the ECMA-335 metadata for the names. A method's
/// funclets follow its main body and take its name; a body whose method cannot be named (generic code
/// over another module's types) stays unnamed rather than taking its neighbour's name.
/// </summary>
internal static class ReadyToRunImage
{
    public const string SymbolSource = "ReadyToRun";

    private const uint Signature = 0x00525452; // "RTR"
    private const uint ComponentFlag = 0x20;   // a component of a composite image: its code lives elsewhere
    private const uint RuntimeFunctionsSection = 102;
    private const uint MethodDefEntryPointsSection = 103;
    private const uint DebugInfoSection = 105;
    private const uint InstanceMethodEntryPointsSection = 109;

    // Linux R2R images carry the machine XOR-ed with an OS marker, so that Windows does not load them.
    private const ushort Amd64 = 0x8664;
    private static readonly ushort[] OsMarkers = [0, 0x7B79 /* Linux */, 0x4644 /* macOS */, 0xADC4 /* FreeBSD */, 0x1993 /* NetBSD */];

    /// <summary>Whether the file starts like a PE image (<c>MZ</c>); cheap, for callers deciding what to try.</summary>
    public static bool LooksLikePe(SafeFileHandle handle)
    {
        Span<byte> magic = stackalloc byte[2];
        return RandomAccess.Read(handle, magic, 0) == 2 && magic[0] == (byte)'M' && magic[1] == (byte)'Z';
    }

    /// <summary>
    /// The image's methods as a <see cref="BinaryImage"/> whose "virtual addresses" are RVAs and whose
    /// segments are the PE sections (file offset → RVA). Null with a reason when the file is not a
    /// ReadyToRun image this reader understands.
    /// </summary>
    public static BinaryImage? TryRead(SafeFileHandle handle, out string? problem)
    {
        var length = RandomAccess.GetLength(handle);
        if (length > int.MaxValue)
        {
            problem = "PE file larger than 2 GiB";
            return null;
        }

        var file = new byte[length];
        var read = 0;
        while (read < file.Length)
        {
            var n = RandomAccess.Read(handle, file.AsSpan(read), read);
            if (n <= 0)
            {
                break;
            }

            read += n;
        }

        return TryRead(read == file.Length ? file : file[..read], out problem);
    }

    public static BinaryImage? TryRead(byte[] file, out string? problem)
    {
        try
        {
            return Read(file, out problem);
        }
        catch (Exception ex) when (ex is BadImageFormatException or ArgumentOutOfRangeException or IndexOutOfRangeException)
        {
            problem = $"bad PE or ReadyToRun image: {ex.Message}";
            return null;
        }
    }

    private static BinaryImage? Read(byte[] file, out string? problem)
    {
        using var pe = new PEReader(ImmutableCollectionsMarshal.AsImmutableArray(file));
        var headers = pe.PEHeaders;
        var cor = headers.CorHeader;
        if (cor is null || cor.ManagedNativeHeaderDirectory.Size == 0)
        {
            problem = cor is null ? "not a .NET assembly" : "not a ReadyToRun image";
            return null;
        }

        var machine = (ushort)headers.CoffHeader.Machine;
        if (!OsMarkers.Any(marker => (ushort)(machine ^ marker) == Amd64))
        {
            problem = $"ReadyToRun code for machine 0x{machine:x4}: only x86-64 is read";
            return null;
        }

        var image = new RvaImage(file, headers.SectionHeaders);
        var header = (uint)cor.ManagedNativeHeaderDirectory.RelativeVirtualAddress;
        if (image.ReadUInt32(header) != Signature)
        {
            problem = "ManagedNativeHeader is not a READYTORUN_HEADER";
            return null;
        }

        var flags = image.ReadUInt32(header + 8);
        if ((flags & ComponentFlag) != 0)
        {
            problem = "a component of a composite ReadyToRun image (its code is in the composite file)";
            return null;
        }

        var sections = ReadSections(image, header);
        if (!sections.TryGetValue(RuntimeFunctionsSection, out var runtimeFunctions) || !sections.TryGetValue(MethodDefEntryPointsSection, out var entryPoints))
        {
            problem = "ReadyToRun image without RuntimeFunctions or MethodDefEntryPoints";
            return null;
        }

        var metadata = pe.GetMetadataReader();
        var names = new MethodNameFormatter(metadata);
        var functions = ReadRuntimeFunctions(image, runtimeFunctions);
        var nameAt = new string?[functions.Length];
        var starts = new bool[functions.Length];
        ReadMethodStarts(image, entryPoints, metadata.MethodDefinitions.Count, names, nameAt, starts);
        if (sections.TryGetValue(InstanceMethodEntryPointsSection, out var instances))
        {
            ReadInstanceStarts(image, instances, metadata, names, nameAt, starts);
        }

        if (sections.TryGetValue(DebugInfoSection, out var debugInfo))
        {
            ReadMethodBodies(image, debugInfo, starts);
        }

        problem = null;
        var table = BuildTable(functions, nameAt, starts);
        var segments = headers.SectionHeaders
            .Where(s => s.SizeOfRawData > 0)
            .Select(s => new LoadSegment((ulong)s.PointerToRawData, (ulong)s.SizeOfRawData, (ulong)s.VirtualAddress))
            .ToArray();
        var assembly = metadata.IsAssembly ? metadata.GetString(metadata.GetAssemblyDefinition().Name) : null;
        return new BinaryImage(null, segments, table, SymbolSource, null) { ManagedAssembly = assembly ?? string.Empty };
    }

    private static Dictionary<uint, (uint Rva, uint Size)> ReadSections(RvaImage image, uint header)
    {
        var count = image.ReadUInt32(header + 12);
        if (count > 256)
        {
            throw new BadImageFormatException($"READYTORUN_HEADER claims {count} sections");
        }

        var sections = new Dictionary<uint, (uint, uint)>();
        for (var i = 0u; i < count; i++)
        {
            var at = header + 16 + (12 * i);
            sections[image.ReadUInt32(at)] = (image.ReadUInt32(at + 4), image.ReadUInt32(at + 8));
        }

        return sections;
    }

    // x86-64 RUNTIME_FUNCTION: BeginAddress, EndAddress, UnwindData (RVAs), sorted by BeginAddress.
    private static (uint Begin, uint End)[] ReadRuntimeFunctions(RvaImage image, (uint Rva, uint Size) section)
    {
        var count = section.Size / 12;
        var bytes = image.Slice(section.Rva, (int)(count * 12));
        var functions = new (uint, uint)[count];
        for (var i = 0; i < count; i++)
        {
            var entry = bytes.Slice(i * 12, 12);
            functions[i] = (BitConverter.ToUInt32(entry), BitConverter.ToUInt32(entry[4..]));
        }

        return functions;
    }

    // MethodDefEntryPoints: element RID-1 holds the runtime function index (shifted, with a fixups flag).
    private static void ReadMethodStarts(RvaImage image, (uint Rva, uint Size) section, int methodCount, MethodNameFormatter names, string?[] nameAt, bool[] starts)
    {
        var entries = new NativeArray(image, section.Rva);
        var limit = Math.Min(entries.Count, (uint)methodCount);
        for (var index = 0u; index < limit; index++)
        {
            if (!entries.TryGetAt(index, out var rva))
            {
                continue;
            }

            image.DecodeUnsigned(rva, out var id);
            var function = (id & 1) != 0 ? id >> 2 : id >> 1;
            if (function < nameAt.Length)
            {
                nameAt[function] = names.Format(MethodNameFormatter.MethodByRid((int)index + 1));
                starts[function] = true;
            }
        }
    }

    // Generic code: each entry names its method and instantiation; one that cannot be decoded still ends the method before it.
    private static void ReadInstanceStarts(RvaImage image, (uint Rva, uint Size) section, MetadataReader metadata, MethodNameFormatter names, string?[] nameAt, bool[] starts)
    {
        foreach (var entry in NativeHashtable.Entries(image, section.Rva))
        {
            var (function, name) = InstanceEntryPoint.Read(image, entry, metadata, names);
            if (function < nameAt.Length)
            {
                nameAt[function] ??= name;
                starts[function] = true;
            }
        }
    }

    // DebugInfo is indexed by the runtime function where a method's main body starts: funclets have none.
    private static void ReadMethodBodies(RvaImage image, (uint Rva, uint Size) section, bool[] starts)
    {
        var entries = new NativeArray(image, section.Rva);
        for (var i = 0; i < starts.Length; i++)
        {
            starts[i] |= entries.TryGetAt((uint)i, out _);
        }
    }

    /// <summary>
    /// One table entry per runtime function of a named method: its main body where it starts, and the
    /// funclets after it up to the next method's start.
    /// </summary>
    internal static FunctionTable BuildTable((uint Begin, uint End)[] functions, string?[] nameAt, bool[] starts)
    {
        var begins = new List<ulong>(functions.Length);
        var ends = new List<ulong>(functions.Length);
        var offsets = new List<int>(functions.Length);
        var names = new MemoryStream();
        var offsetOf = new Dictionary<string, int>(StringComparer.Ordinal);
        string? owner = null;
        var lastBegin = 0u;
        for (var i = 0; i < functions.Length; i++)
        {
            var (begin, end) = functions[i];
            if (begin < lastBegin || end < begin)
            {
                throw new BadImageFormatException($"RuntimeFunctions not sorted at entry {i}");
            }

            lastBegin = begin;
            if (starts[i])
            {
                owner = nameAt[i];
            }

            if (owner is null)
            {
                continue;
            }

            if (!offsetOf.TryGetValue(owner, out var offset))
            {
                offset = (int)names.Length;
                offsetOf[owner] = offset;
                names.Write(Encoding.UTF8.GetBytes(owner));
                names.WriteByte(0);
            }

            begins.Add(begin);
            ends.Add(end);
            offsets.Add(offset);
        }

        return new FunctionTable([.. begins], [.. ends], [.. offsets], names.ToArray());
    }
}
