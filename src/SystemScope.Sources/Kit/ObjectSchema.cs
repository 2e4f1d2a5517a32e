namespace SystemScope.Sources.Kit;

/// <summary>A map of a BPF object, by name, with the layouts of its key and value where it has them.</summary>
internal class MapRef(string name, ILayout? key, ILayout? value)
{
    public string Name { get; } = name;

    public ILayout? Key { get; } = key;

    public ILayout? Value { get; } = value;

    public override string ToString() => "map " + Name;
}

/// <summary>A map whose key and value C# reads as <typeparamref name="TKey"/> and <typeparamref name="TValue"/>.</summary>
internal sealed class MapRef<TKey, TValue>(string name, ILayout key, ILayout value) : MapRef(name, key, value)
    where TKey : unmanaged
    where TValue : unmanaged;

/// <summary>A program of a BPF object, by name.</summary>
internal sealed class ProgramRef(string name)
{
    public string Name { get; } = name;

    public override string ToString() => "program " + Name;
}

/// <summary>A <c>const volatile</c> setting in <c>.rodata</c>, written before load.</summary>
internal sealed class ConstantRef<T>(string name)
    where T : unmanaged
{
    public string Name { get; } = name;
}

/// <summary>
/// One way to attach a set of programs (tp_btf, or raw_tp where tp_btf does not load): the programs
/// of the other variants are not loaded.
/// </summary>
internal sealed class ProgramVariant(string mechanism, IReadOnlyList<ProgramRef> programs)
{
    public string Mechanism { get; } = mechanism;

    public IReadOnlyList<ProgramRef> Programs { get; } = programs;
}

/// <summary>
/// What a BPF object contains, as its C# source sees it: the file, its maps (with the layouts of keys
/// and values), programs, settings, ring buffer records, counter enums and attach variants. Each name
/// is declared once, as a static field of the source's schema class; code refers to the field, never
/// to a string. <see cref="KitObject.Load"/> checks every declaration against the object's BTF.
/// </summary>
internal sealed class ObjectSchema(string fileName)
{
    private readonly List<MapRef> _maps = [];
    private readonly List<ProgramRef> _programs = [];
    private readonly List<ILayout> _records = [];
    private readonly List<string> _counters = [];
    private readonly List<EnumMirror> _enums = [];
    private readonly List<ProgramVariant> _variants = [];

    /// <summary>The embedded file: <c>cpu_profile.bpf.o</c>.</summary>
    public string FileName { get; } = fileName;

    /// <summary>The object's name (libbpf's, and in messages): <c>cpu_profile</c>.</summary>
    public string Name => FileName.EndsWith(".bpf.o", StringComparison.Ordinal) ? FileName[..^".bpf.o".Length] : FileName;

    public IReadOnlyList<MapRef> Maps => _maps;

    public IReadOnlyList<ProgramRef> Programs => _programs;

    public IReadOnlyList<ILayout> Records => _records;

    public IReadOnlyList<EnumMirror> Enums => _enums;

    /// <summary>Counter enums (<see cref="Counters"/>), besides the kit's own.</summary>
    public IReadOnlyList<string> CounterEnums => _counters;

    /// <summary>Alternative program sets, best first; empty when every program always loads.</summary>
    public IReadOnlyList<ProgramVariant> Variants => _variants;

    public MapRef<TKey, TValue> Map<TKey, TValue>(string name, ILayout key, ILayout value)
        where TKey : unmanaged
        where TValue : unmanaged => Add(new MapRef<TKey, TValue>(name, key, value));

    /// <summary>A map C# does not read by key (a ring buffer: its records are declared with <see cref="Record"/>).</summary>
    public MapRef Map(string name) => Add(new MapRef(name, null, null));

    public ProgramRef Program(string name)
    {
        var program = new ProgramRef(name);
        _programs.Add(program);
        return program;
    }

    public ConstantRef<T> Constant<T>(string name)
        where T : unmanaged => new(name);

    /// <summary>A struct the object writes to a ring buffer, checked against the object's BTF (which must carry it: SS_BTF_STRUCT).</summary>
    public void Record(ILayout layout) => _records.Add(layout);

    /// <summary>A C# enum whose members mirror a C enum's (checked against the object's BTF).</summary>
    public void Enum<TEnum>(string cName, string prefix)
        where TEnum : struct, System.Enum => _enums.Add(EnumMirror.Of<TEnum>(cName, prefix));

    /// <summary>The counters declared with <c>SS_COUNTERS(name, …)</c> in C: map <c>{name}s</c>, names from <c>enum {name}</c>.</summary>
    public void Counters(string enumName) => _counters.Add(enumName);

    public ProgramVariant Variant(string mechanism, params ProgramRef[] programs)
    {
        var variant = new ProgramVariant(mechanism, programs);
        _variants.Add(variant);
        return variant;
    }

    private T Add<T>(T map)
        where T : MapRef
    {
        _maps.Add(map);
        return map;
    }
}
