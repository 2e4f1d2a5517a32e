using System.Globalization;
using SystemScope.Bpf;

namespace SystemScope.Sources.Kit;

/// <summary>A C# mirror disagrees with the object's BTF: the object and the source were not built from the same headers.</summary>
internal sealed class KitLayoutException(string message) : BpfException(message);

/// <summary>What a source may set on its object before it loads.</summary>
internal sealed class KitObjectSetup(BpfObject obj)
{
    public BpfObject Object { get; } = obj;

    public void Set<T>(ConstantRef<T> constant, T value)
        where T : unmanaged => Object.SetConstant(constant.Name, value);

    public void SetMaxEntries(MapRef map, uint entries) => Object.SetMaxEntries(map.Name, entries);
}

/// <summary>
/// A source's loaded BPF object, built from its <see cref="ObjectSchema"/>: every declared map,
/// record and counter enum checked against the object's BTF before anything reaches the kernel, the
/// session's shared maps put in place (so every object of a session filters by, and announces into,
/// the same kernel maps), the kit's settings applied, and the first attach variant that loads chosen
/// (tp_btf, else raw_tp). Disposing closes the object (links made from its programs are the caller's).
/// </summary>
internal sealed class KitObject : IDisposable
{
    private readonly List<BpfProgram> _programs = [];

    private KitObject(BpfObject obj, ObjectSchema schema, ProgramVariant? variant)
    {
        Object = obj;
        Schema = schema;
        Variant = variant;
        foreach (var name in obj.ProgramNames)
        {
            if (obj.GetAutoload(name))
            {
                _programs.Add(obj.Program(name));
            }
        }

        Counters = KernelCounters.Of(this);
    }

    public BpfObject Object { get; }

    public ObjectSchema Schema { get; }

    public string Name => Object.Name;

    /// <summary>The attach variant that loaded, or null when the schema has none.</summary>
    public ProgramVariant? Variant { get; }

    /// <summary>The programs that loaded.</summary>
    public IReadOnlyList<BpfProgram> Programs => _programs;

    public KernelCounters Counters { get; }

    /// <summary>
    /// Opens, checks, configures and loads <paramref name="schema"/>'s object. <paramref name="shared"/>:
    /// the session's maps to use instead of the object's own (null: the object keeps its own, as the
    /// session object itself does). A load failure raises <see cref="BpfLoadException"/> (with the
    /// verifier log) after every variant was tried; a layout mismatch <see cref="KitLayoutException"/>.
    /// </summary>
    public static KitObject Load(ObjectSchema schema, SharedKernelMaps? shared, Action<KitObjectSetup>? configure = null, ProgramVariant? only = null)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var spec = EmbeddedBpfObjects.Get(schema.FileName);
        IReadOnlyList<ProgramVariant?> variants = only is not null ? [only] : schema.Variants.Count > 0 ? [.. schema.Variants] : [null];
        BpfLoadException? first = null;
        var messages = new List<string>();
        foreach (var variant in variants)
        {
            try
            {
                return Load(spec, schema, shared, configure, variant);
            }
            catch (BpfLoadException ex) when (variant is not null && ex.FailedProgram is { } failed && variant.Programs.Any(p => p.Name == failed))
            {
                // This variant's programs do not load here: try the next one.
                first ??= ex;
                messages.AddRange(ex.LibbpfMessages);
                if (variant == variants[^1])
                {
                    throw first == ex ? ex : new BpfLoadException(
                        $"{ex.Message}; with {variants[0]!.Mechanism}: {first.Message}", ex.Errno, ex.FailedProgram, ex.FailedMap, ex.VerifierLog, messages);
                }
            }
        }

        throw new InvalidOperationException("unreachable: every variant either loads or throws");
    }

    public BpfMap Map(MapRef map) => Object.Map(map.Name);

    public BpfProgram Program(ProgramRef program) => Object.Program(program.Name);

    /// <summary>The programs' run count and run time so far, summed (zero where statistics are off).</summary>
    public BpfProgramStats Cost()
    {
        var total = default(BpfProgramStats);
        foreach (var program in _programs)
        {
            total += program.ReadStats();
        }

        return total;
    }

    /// <summary>What the object runs on: the sections of its loaded programs, such as <c>tp_btf/sched_process_exec</c>.</summary>
    public IReadOnlyList<string> Sections => [.. _programs.Select(p => p.SectionName)];

    public void Dispose() => Object.Dispose();

    private static KitObject Load(BpfObjectSpec spec, ObjectSchema schema, SharedKernelMaps? shared, Action<KitObjectSetup>? configure, ProgramVariant? variant)
    {
        var obj = spec.Open();
        try
        {
            Check(obj, schema);
            if (obj.ConstantNames.Contains(KitSchema.WakeupThreshold.Name))
            {
                obj.SetConstant(KitSchema.WakeupThreshold.Name, KitSchema.DefaultWakeupThreshold);
            }

            configure?.Invoke(new KitObjectSetup(obj));
            shared?.ReuseIn(obj);
            foreach (var other in schema.Variants)
            {
                foreach (var program in other.Programs)
                {
                    obj.SetAutoload(program.Name, variant is null || other == variant);
                }
            }

            obj.Load();
            return new KitObject(obj, schema, variant);
        }
        catch
        {
            obj.Dispose();
            throw;
        }
    }

    /// <summary>Every declaration of the schema (and of the kit, where the object has it) against the object's BTF.</summary>
    private static void Check(BpfObject obj, ObjectSchema schema)
    {
        var problems = new List<string>();
        var maps = obj.MapNames.ToHashSet(StringComparer.Ordinal);
        foreach (var map in schema.Maps)
        {
            if (!maps.Contains(map.Name))
            {
                problems.Add($"no map {map.Name} (maps: {string.Join(", ", maps.Order(StringComparer.Ordinal))})");
            }
        }

        foreach (var map in schema.Maps.Concat(KitSchema.SharedMaps).Concat(KitSchema.OptionalMaps).Distinct())
        {
            if (maps.Contains(map.Name))
            {
                CheckMap(obj, map, problems);
            }
        }

        foreach (var program in schema.Programs)
        {
            if (!obj.ProgramNames.Contains(program.Name))
            {
                problems.Add($"no program {program.Name} (programs: {string.Join(", ", obj.ProgramNames)})");
            }
        }

        foreach (var record in schema.Records)
        {
            if (record.Disagreement(obj.Types.FindStruct(record.StructName!)) is { } problem)
            {
                problems.Add($"record {record.CType}: {problem}");
            }
        }

        // The kit's records are checked wherever the object carries them (most objects carry some).
        foreach (var record in KitSchema.Records.Except(schema.Records))
        {
            if (obj.Types.FindStruct(record.StructName!) is { } actual && record.Disagreement(actual) is { } problem)
            {
                problems.Add($"record {record.CType}: {problem}");
            }
        }

        foreach (var mirror in schema.Enums)
        {
            if (mirror.Disagreement(obj.Types.FindEnum(mirror.CName)) is { } problem)
            {
                problems.Add($"enum {mirror.CName}: {problem}");
            }
        }

        foreach (var counters in schema.CounterEnums)
        {
            if (obj.Types.FindEnum(counters) is null)
            {
                problems.Add($"no enum {counters} in BTF (declare the counters with SS_COUNTERS({counters}, …))");
            }
            else if (!maps.Contains(counters + "s"))
            {
                problems.Add($"no map {counters}s for enum {counters} (declare it with SS_COUNTERS)");
            }
        }

        if (problems.Count > 0)
        {
            throw new KitLayoutException(string.Create(
                CultureInfo.InvariantCulture,
                $"object {obj.Name}: the BPF object and its C# declarations disagree: {string.Join("; ", problems)} (rebuild with 'make bpf', or change the C# mirror with the C header)"));
        }
    }

    private static void CheckMap(BpfObject obj, MapRef map, List<string> problems)
    {
        if (map.Key is null && map.Value is null)
        {
            return;
        }

        var (key, value) = obj.GetMapTypes(map.Name);
        if (map.Key?.Disagreement(key) is { } keyProblem)
        {
            problems.Add($"map {map.Name} key: {keyProblem}");
        }

        if (map.Value?.Disagreement(value) is { } valueProblem)
        {
            problems.Add($"map {map.Name} value: {valueProblem}");
        }
    }
}
