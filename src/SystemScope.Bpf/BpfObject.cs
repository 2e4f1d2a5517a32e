using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SystemScope.Bpf.Interop;

namespace SystemScope.Bpf;

/// <summary>
/// A BPF object opened from a <see cref="BpfObjectSpec"/>. Before <see cref="Load"/>: choose which
/// programs load, set <c>const volatile</c> settings in <c>.rodata</c> and map sizes. After: get maps
/// and programs by name. Disposing closes every map and program fd of the object (links made from
/// its programs are separate and must be disposed too).
/// </summary>
public sealed unsafe class BpfObject : IDisposable
{
    private readonly BpfObjectHandle _handle;
    private readonly Dictionary<string, nint> _programs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, nint> _maps = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BpfMap> _loadedMaps = new(StringComparer.Ordinal);
    private readonly Dictionary<string, BpfProgram> _loadedPrograms = new(StringComparer.Ordinal);
    private readonly HashSet<string> _reused = new(StringComparer.Ordinal);
    private Dictionary<string, (int Offset, int Size)>? _constants;
    private BtfTypes? _types;

    private BpfObject(string name, BpfObjectHandle handle)
    {
        Name = name;
        _handle = handle;
        for (var prog = Libbpf.ObjectNextProgram(handle.DangerousGetHandle(), 0); prog != 0; prog = Libbpf.ObjectNextProgram(handle.DangerousGetHandle(), prog))
        {
            _programs[Marshal.PtrToStringUTF8((nint)Libbpf.ProgramName(prog)) ?? string.Empty] = prog;
        }

        for (var map = Libbpf.ObjectNextMap(handle.DangerousGetHandle(), 0); map != 0; map = Libbpf.ObjectNextMap(handle.DangerousGetHandle(), map))
        {
            _maps[Marshal.PtrToStringUTF8((nint)Libbpf.MapName(map)) ?? string.Empty] = map;
        }
    }

    public string Name { get; }

    public bool IsLoaded { get; private set; }

    public IReadOnlyCollection<string> ProgramNames => _programs.Keys;

    public IReadOnlyCollection<string> MapNames => _maps.Keys;

    /// <summary>The <c>const volatile</c> settings in <c>.rodata</c>, by name.</summary>
    public IReadOnlyCollection<string> ConstantNames => Constants().Keys;

    /// <summary>The object's own BTF: struct layouts and enums as the compiler saw them.</summary>
    public BtfTypes Types => _types ??= new BtfTypes(this);

    internal BpfObjectHandle Handle => _handle;

    /// <summary>Chooses whether <see cref="Load"/> loads the program (all do by default).</summary>
    public void SetAutoload(string program, bool autoload)
    {
        ThrowIfLoaded("choose programs");
        var err = Libbpf.ProgramSetAutoload(ProgramPointer(program), autoload);
        if (err < 0)
        {
            throw new BpfException($"object {Name}: program {program}: set autoload: {Errno.Describe(err)}", err);
        }
    }

    public bool GetAutoload(string program) => Libbpf.ProgramAutoload(ProgramPointer(program));

    /// <summary>Writes a <c>const volatile</c> setting; its offset comes from the BTF of <c>.rodata</c>.</summary>
    public void SetConstant<T>(string name, T value)
        where T : unmanaged
    {
        ThrowIfLoaded("set constants");
        var target = ConstantSpan(name, Unsafe.SizeOf<T>());
        MemoryMarshal.Write(target, in value);
    }

    /// <summary>Reads a <c>const volatile</c> setting (its compiled default until set).</summary>
    public T GetConstant<T>(string name)
        where T : unmanaged => MemoryMarshal.Read<T>(ConstantSpan(name, Unsafe.SizeOf<T>()));

    public void SetMaxEntries(string map, uint maxEntries)
    {
        ThrowIfLoaded("size maps");
        if (maxEntries == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxEntries), maxEntries, $"object {Name}: map {map}: max_entries must be at least 1");
        }

        var err = Libbpf.MapSetMaxEntries(MapPointer(map), maxEntries);
        if (err < 0)
        {
            throw new BpfException($"object {Name}: map {map}: set max_entries {maxEntries}: {Errno.Describe(err)}", err);
        }
    }

    public uint GetMaxEntries(string map) => Libbpf.MapMaxEntries(MapPointer(map));

    /// <summary>The kernel's <c>enum bpf_map_type</c> of a map, as declared (or as reused).</summary>
    public int GetMapType(string map) => Libbpf.MapType(MapPointer(map));

    /// <summary>
    /// The key and value types a map was declared with, from the object's BTF (null where the map
    /// declares none, as ring buffers do). Only before <see cref="ReuseMap"/>: a reused map takes
    /// the other map's type ids, which belong to another object's BTF.
    /// </summary>
    public (BtfTypeInfo? Key, BtfTypeInfo? Value) GetMapTypes(string map)
    {
        var pointer = MapPointer(map);
        if (_reused.Contains(map))
        {
            throw new InvalidOperationException($"object {Name}: map {map} is reused: its declared types are no longer known");
        }

        var added = false;
        _handle.DangerousAddRef(ref added);
        try
        {
            var btf = Libbpf.ObjectBtf(_handle.DangerousGetHandle());
            return btf == 0
                ? (null, null)
                : (BtfTypes.Describe(btf, Libbpf.MapBtfKeyTypeId(pointer)), BtfTypes.Describe(btf, Libbpf.MapBtfValueTypeId(pointer)));
        }
        finally
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Makes this object use an existing map (of another loaded object) instead of creating its own:
    /// its programs then read and write that very map. The map's type, sizes and flags become the
    /// existing map's; the declarations should agree (the kernel checks the programs against it at
    /// load). The object takes its own duplicate of the fd.
    /// </summary>
    public void ReuseMap(string map, BpfMap existing)
    {
        ArgumentNullException.ThrowIfNull(existing);
        ThrowIfLoaded("reuse maps");
        var pointer = MapPointer(map);
        var added = false;
        existing.Owner.Handle.DangerousAddRef(ref added);
        int err;
        try
        {
            err = Libbpf.MapReuseFd(pointer, existing.Fd);
        }
        finally
        {
            if (added)
            {
                existing.Owner.Handle.DangerousRelease();
            }
        }

        if (err < 0)
        {
            throw new BpfException($"object {Name}: map {map}: reuse map {existing.Name} of object {existing.Owner.Name}: {Errno.Describe(err)}", err);
        }

        _reused.Add(map);
    }

    /// <summary>
    /// Creates the maps and loads the chosen programs into the kernel. A rejected program raises
    /// <see cref="BpfLoadException"/> with the verifier log.
    /// </summary>
    public void Load()
    {
        ThrowIfLoaded("load");
        var log = _handle.LogBuffer;
        log[0] = 0;
        int err;
        IReadOnlyList<string> messages;
        using (var capture = LibbpfLog.BeginCapture())
        {
            err = Libbpf.ObjectLoad(_handle.DangerousGetHandle());
            messages = capture.Messages;
        }

        if (err != 0)
        {
            var verifierLog = (Marshal.PtrToStringUTF8((nint)log) ?? string.Empty).TrimEnd('\0', '\n');
            var failedProgram = Quoted(messages, "prog '", "failed");
            var failedMap = failedProgram is null ? Quoted(messages, "map '", "failed to create") : null;
            var where = failedProgram is not null ? $" program {failedProgram}:" : failedMap is not null ? $" map {failedMap}:" : string.Empty;
            var reason = (failedProgram is null ? null : VerifierVerdict(verifierLog)) ?? FirstWarning(messages, failedProgram ?? failedMap);
            // EPERM with an empty verifier log is a missing privilege, not a program the verifier refused.
            var hint = Math.Abs(err) == Errno.EPERM && verifierLog.Length == 0
                ? ": loading BPF needs root, or CAP_BPF with CAP_PERFMON"
                : string.Empty;
            throw new BpfLoadException(
                $"object {Name}: load:{where} {Errno.Describe(err)}{(reason is null ? string.Empty : $" ({reason})")}{hint}",
                err,
                failedProgram,
                failedMap,
                verifierLog,
                messages);
        }

        IsLoaded = true;
        foreach (var (name, map) in _maps)
        {
            _loadedMaps[name] = new BpfMap(this, name, map);
        }

        foreach (var (name, prog) in _programs)
        {
            if (Libbpf.ProgramAutoload(prog))
            {
                _loadedPrograms[name] = new BpfProgram(this, name, prog);
            }
        }
    }

    public BpfMap Map(string name)
    {
        ThrowIfNotLoaded("map " + name);
        return _loadedMaps.TryGetValue(name, out var map)
            ? map
            : throw new KeyNotFoundException($"object {Name}: no map named {name} (maps: {string.Join(", ", _maps.Keys)})");
    }

    public BpfProgram Program(string name)
    {
        ThrowIfNotLoaded("program " + name);
        if (_loadedPrograms.TryGetValue(name, out var program))
        {
            return program;
        }

        throw new KeyNotFoundException(_programs.ContainsKey(name)
            ? $"object {Name}: program {name} was not loaded (autoload was off)"
            : $"object {Name}: no program named {name} (programs: {string.Join(", ", _programs.Keys)})");
    }

    public void Dispose() => _handle.Dispose();

    internal static BpfObject Open(BpfObjectSpec spec)
    {
        LibbpfLog.Install();
        using var capture = LibbpfLog.BeginCapture();
        BpfObjectHandle handle;
        try
        {
            handle = BpfObjectHandle.Open(spec.Name, spec.Elf.Span);
        }
        catch (BpfException ex) when (capture.Messages.Count > 0)
        {
            throw new BpfException($"{ex.Message} ({capture.Messages[^1]})", ex.Errno, string.Join('\n', capture.Messages));
        }

        return new BpfObject(spec.Name, handle);
    }

    /// <summary>The name libbpf quotes in a failure message: "prog 'cpu_sample': BPF program load failed: …".</summary>
    private static string? Quoted(IReadOnlyList<string> messages, string prefix, string failure)
    {
        foreach (var message in messages)
        {
            var start = message.IndexOf(prefix, StringComparison.Ordinal);
            if (start < 0 || !message.Contains(failure, StringComparison.Ordinal))
            {
                continue;
            }

            start += prefix.Length;
            var end = message.IndexOf('\'', start);
            if (end > start)
            {
                return message[start..end];
            }
        }

        return null;
    }

    /// <summary>The verifier's complaint: the last line of its log before its statistics.</summary>
    private static string? VerifierVerdict(string log)
    {
        foreach (var line in log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Reverse())
        {
            if (!line.StartsWith("processed ", StringComparison.Ordinal) &&
                !line.StartsWith("verification time", StringComparison.Ordinal) &&
                !line.StartsWith("stack depth", StringComparison.Ordinal) &&
                line.Trim('\0').Length > 0)
            {
                return line;
            }
        }

        return null;
    }

    private static string? FirstWarning(IReadOnlyList<string> messages, string? culprit)
    {
        // The most specific line libbpf printed: about the failing program or map when known.
        foreach (var message in messages)
        {
            if (culprit is null || message.Contains($"'{culprit}'", StringComparison.Ordinal))
            {
                return message.Replace("libbpf: ", string.Empty, StringComparison.Ordinal).Trim();
            }
        }

        return null;
    }

    private Span<byte> ConstantSpan(string name, int size)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (!Constants().TryGetValue(name, out var variable))
        {
            throw new KeyNotFoundException(
                $"object {Name}: no setting named {name} in .rodata (settings: {string.Join(", ", Constants().Keys)})");
        }

        if (variable.Size != size)
        {
            throw new ArgumentException($"object {Name}: setting {name} is {variable.Size} bytes, not {size}");
        }

        var map = RodataMap();
        if (map == 0)
        {
            throw new BpfException($"object {Name}: no .rodata map");
        }

        nuint length;
        var data = Libbpf.MapInitialValue(map, &length);
        if (data is null || (ulong)variable.Offset + (ulong)size > length)
        {
            throw new BpfException($"object {Name}: setting {name} lies outside .rodata ({length} bytes)");
        }

        return new Span<byte>(data + variable.Offset, size);
    }

    private nint RodataMap()
    {
        foreach (var (name, map) in _maps)
        {
            if (Libbpf.MapIsInternal(map) && name.EndsWith(".rodata", StringComparison.Ordinal))
            {
                return map;
            }
        }

        return 0;
    }

    /// <summary>Variables of the .rodata DATASEC. libbpf fixes their offsets up at open time.</summary>
    private Dictionary<string, (int Offset, int Size)> Constants()
    {
        if (_constants is not null)
        {
            return _constants;
        }

        var result = new Dictionary<string, (int Offset, int Size)>(StringComparer.Ordinal);
        var btf = Libbpf.ObjectBtf(_handle.DangerousGetHandle());
        if (btf != 0)
        {
            var section = BpfObjectHandle.AllocCString(".rodata");
            try
            {
                var id = Libbpf.BtfFindByNameKind(btf, section, BpfConstants.BtfKindDatasec);
                if (id > 0)
                {
                    var datasec = Libbpf.BtfTypeById(btf, (uint)id);
                    var variables = (BtfVarSecinfo*)(datasec + 1);
                    for (var i = 0; i < datasec->VLen; i++)
                    {
                        var variable = Libbpf.BtfTypeById(btf, variables[i].Type);
                        var name = Marshal.PtrToStringUTF8((nint)Libbpf.BtfNameByOffset(btf, variable->NameOff));
                        if (name is not null)
                        {
                            result[name] = ((int)variables[i].Offset, (int)variables[i].Size);
                        }
                    }
                }
            }
            finally
            {
                NativeMemory.Free(section);
            }
        }

        return _constants = result;
    }

    private nint ProgramPointer(string name)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        return _programs.TryGetValue(name, out var prog)
            ? prog
            : throw new KeyNotFoundException($"object {Name}: no program named {name} (programs: {string.Join(", ", _programs.Keys)})");
    }

    private nint MapPointer(string name)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        return _maps.TryGetValue(name, out var map)
            ? map
            : throw new KeyNotFoundException($"object {Name}: no map named {name} (maps: {string.Join(", ", _maps.Keys)})");
    }

    private void ThrowIfLoaded(string action)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (IsLoaded)
        {
            throw new InvalidOperationException($"object {Name}: cannot {action} after load");
        }
    }

    private void ThrowIfNotLoaded(string what)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (!IsLoaded)
        {
            throw new InvalidOperationException($"object {Name}: {what} is only available after load");
        }
    }
}
