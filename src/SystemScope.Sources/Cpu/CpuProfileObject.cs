using System.Runtime.CompilerServices;
using SystemScope.Bpf;

namespace SystemScope.Sources.Cpu;

/// <summary>
/// The loaded <c>cpu_profile.bpf.o</c>: its maps and programs by role, and which lifecycle mechanism
/// loaded. tp_btf is tried first; when it does not load, the raw_tp variant of the same programs is.
/// </summary>
internal sealed class CpuProfileObject : IDisposable
{
    public const string ObjectFile = "cpu_profile.bpf.o";
    public const string SampleMechanism = "perf_event cpu-clock";

    private const string SampleProgram = "cpu_sample";

    private readonly BpfMap[] _counts;
    private readonly BpfMap[] _stacks;

    private CpuProfileObject(BpfObject obj, LifecycleVariant variant)
    {
        Object = obj;
        Variant = variant;
        Config = obj.Map("run_config");
        Targets = obj.Map("target_tgids");
        Counters = obj.Map("counters");
        KnownProcesses = obj.Map("known_tgids");
        Events = obj.Map("events");
        _counts = [obj.Map("counts_0"), obj.Map("counts_1")];
        _stacks = [obj.Map("stacks_0"), obj.Map("stacks_1")];
        Sample = obj.Program(SampleProgram);
        Exec = obj.Program(variant.Exec);
        Exit = obj.Program(variant.Exit);
        CheckLayout();
    }

    public BpfObject Object { get; }

    public LifecycleVariant Variant { get; }

    public BpfMap Config { get; }

    public BpfMap Targets { get; }

    public BpfMap Counters { get; }

    public BpfMap KnownProcesses { get; }

    public BpfMap Events { get; }

    public BpfProgram Sample { get; }

    public BpfProgram Exec { get; }

    public BpfProgram Exit { get; }

    /// <summary>What this object uses, for capabilities and session reports.</summary>
    public IReadOnlyList<string> Mechanisms => [SampleMechanism, Exec.SectionName, Exit.SectionName];

    public BpfMap Counts(int slot) => _counts[slot];

    public BpfMap Stacks(int slot) => _stacks[slot];

    /// <summary>
    /// Opens, configures and loads the object. A load failure raises <see cref="BpfLoadException"/>
    /// (with the verifier log) after the fallback has been tried too.
    /// </summary>
    public static CpuProfileObject Load(CpuSourceOptions options, uint countsMaxEntries, uint stacksMaxEntries)
    {
        var spec = EmbeddedBpfObjects.Get(ObjectFile);
        if (options.ForceRawTracepoints)
        {
            return Load(spec, options, countsMaxEntries, stacksMaxEntries, LifecycleVariant.RawTracepoint);
        }

        try
        {
            return Load(spec, options, countsMaxEntries, stacksMaxEntries, LifecycleVariant.TpBtf);
        }
        catch (BpfLoadException first) when (first.FailedProgram == LifecycleVariant.TpBtf.Exec || first.FailedProgram == LifecycleVariant.TpBtf.Exit)
        {
            try
            {
                return Load(spec, options, countsMaxEntries, stacksMaxEntries, LifecycleVariant.RawTracepoint);
            }
            catch (BpfLoadException second)
            {
                throw new BpfLoadException(
                    $"{second.Message}; with tp_btf: {first.Message}",
                    second.Errno,
                    second.FailedProgram,
                    second.FailedMap,
                    second.VerifierLog,
                    [.. first.LibbpfMessages, .. second.LibbpfMessages]);
            }
        }
    }

    /// <summary>Sums one per-CPU counter over all CPUs.</summary>
    public long Read(CpuCounter counter) => (long)Counters.SumPerCpu((uint)counter);

    public void Dispose() => Object.Dispose();

    private static CpuProfileObject Load(BpfObjectSpec spec, CpuSourceOptions options, uint counts, uint stacks, LifecycleVariant variant)
    {
        var obj = spec.Open();
        try
        {
            obj.SetConstant("max_stack_depth", options.MaxStackDepth);
            obj.SetConstant("wakeup_threshold", options.WakeupThresholdBytes);
            obj.SetMaxEntries("counts_0", counts);
            obj.SetMaxEntries("counts_1", counts);
            obj.SetMaxEntries("stacks_0", stacks);
            obj.SetMaxEntries("stacks_1", stacks);
            obj.SetMaxEntries("known_tgids", options.KnownProcessesMaxEntries);
            obj.SetMaxEntries("target_tgids", options.TargetsMaxEntries);
            foreach (var other in LifecycleVariant.All)
            {
                obj.SetAutoload(other.Exec, other == variant);
                obj.SetAutoload(other.Exit, other == variant);
            }

            obj.Load();
            return new CpuProfileObject(obj, variant);
        }
        catch
        {
            obj.Dispose();
            throw;
        }
    }

    private void CheckLayout()
    {
        Expect(Config, sizeof(uint), Unsafe.SizeOf<CpuConfig>());
        Expect(Targets, sizeof(uint), sizeof(byte));
        Expect(KnownProcesses, sizeof(uint), sizeof(byte));
        Expect(Counters, sizeof(uint), sizeof(ulong));
        for (var slot = 0; slot < 2; slot++)
        {
            Expect(_counts[slot], Unsafe.SizeOf<CpuCountKey>(), sizeof(ulong));
            Expect(_stacks[slot], sizeof(ulong), CpuStackLayout.Size);
        }

        if (Counters.MaxEntries != (uint)CpuCounter.Count)
        {
            throw new BpfException($"object {Object.Name}: map counters has {Counters.MaxEntries} entries, the source expects {(int)CpuCounter.Count}: rebuild with 'make bpf'");
        }

        void Expect(BpfMap map, int key, int value)
        {
            if (map.KeySize != key || map.ValueSize != value)
            {
                throw new BpfException(
                    $"object {Object.Name}: map {map.Name} has key {map.KeySize} B / value {map.ValueSize} B, the source expects {key} B / {value} B: bpf/cpu_profile.h and CpuProfileAbi.cs disagree");
            }
        }
    }
}

/// <summary>The pair of programs that report exec and exit, by attach mechanism.</summary>
internal sealed record LifecycleVariant(string Name, string Exec, string Exit)
{
    public static readonly LifecycleVariant TpBtf = new("tp_btf", "cpu_exec_btf", "cpu_exit_btf");
    public static readonly LifecycleVariant RawTracepoint = new("raw_tp", "cpu_exec_raw", "cpu_exit_raw");
    public static readonly IReadOnlyList<LifecycleVariant> All = [TpBtf, RawTracepoint];
}
