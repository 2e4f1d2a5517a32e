using System.Text;
using SystemScope.Bpf;
using SystemScope.Core.Sources;

namespace SystemScope.Sources.Kit;

/// <summary>
/// An object's named counters (kit/counters.h): per-CPU arrays whose slots are named by a C enum in
/// the object's BTF, so that names are written once, in C. <c>CPU_CTR_LOST_COUNTS_FULL</c> becomes
/// <c>lost.counts_full</c>: the part after <c>_CTR_</c>, lower case, its first <c>_</c> a dot. Names
/// starting with <c>lost.</c> are losses (<see cref="CounterKind.Lost"/>), the rest information.
/// </summary>
internal sealed class KernelCounters
{
    private readonly List<(string Name, BpfMap Map, uint Index)> _slots;

    private KernelCounters(List<(string Name, BpfMap Map, uint Index)> slots) => _slots = slots;

    /// <summary>Counter names in map and enum order.</summary>
    public IReadOnlyList<string> Names => [.. _slots.Select(s => s.Name)];

    /// <summary>The C enumerator's counter name: <c>CPU_CTR_LOST_COUNTS_FULL</c> → <c>lost.counts_full</c>.</summary>
    public static string NameOf(string enumerator)
    {
        const string Marker = "_CTR_";
        var at = enumerator.IndexOf(Marker, StringComparison.Ordinal);
        var rest = (at < 0 ? enumerator : enumerator[(at + Marker.Length)..]).ToLowerInvariant();
        var underscore = rest.IndexOf('_', StringComparison.Ordinal);
        return underscore < 0 ? rest : new StringBuilder(rest) { [underscore] = '.' }.ToString();
    }

    public static CounterKind KindOf(string name) => name.StartsWith("lost.", StringComparison.Ordinal) ? CounterKind.Lost : CounterKind.Info;

    /// <summary>Sums every counter over the CPUs now.</summary>
    public IReadOnlyDictionary<string, long> Read()
    {
        var values = new Dictionary<string, long>(_slots.Count, StringComparer.Ordinal);
        foreach (var (name, map, index) in _slots)
        {
            values[name] = (long)map.SumPerCpu(index);
        }

        return values;
    }

    /// <summary>Counters for a source's report, from values read with <see cref="Read"/>.</summary>
    public static IEnumerable<SourceCounter> Report(IReadOnlyDictionary<string, long> values, string objectName) =>
        values.Select(kv => new SourceCounter(kv.Key, kv.Value, KindOf(kv.Key), $"in the kernel ({objectName}.bpf.c): {Describe(kv.Key)}"));

    /// <summary>What the source's programs cost: <c>bpf.ns_per_run</c> (mean run time) and <c>bpf.runs</c>, where statistics are on.</summary>
    public static IEnumerable<SourceCounter> Cost(BpfProgramStats stats, string? problem)
    {
        if (problem is not null)
        {
            yield break;
        }

        yield return new SourceCounter("bpf.ns_per_run", stats.NsPerRun ?? 0, CounterKind.Info, "mean run time of the source's BPF programs, in ns per run (kernel BPF statistics)");
        yield return new SourceCounter("bpf.runs", stats.RunCount, CounterKind.Info, "runs of the source's BPF programs while run-time statistics were on (1 s in every 10)");
    }

    internal static KernelCounters Of(KitObject obj)
    {
        var slots = new List<(string, BpfMap, uint)>();
        var enums = new List<string>();
        if (obj.Object.MapNames.Contains(KitSchema.KitCounters + "s"))
        {
            enums.Add(KitSchema.KitCounters);
        }

        enums.AddRange(obj.Schema.CounterEnums);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var enumName in enums)
        {
            var map = obj.Object.Map(enumName + "s");
            var declared = obj.Object.Types.FindEnum(enumName)
                ?? throw new KitLayoutException($"object {obj.Name}: no enum {enumName} in its BTF (SS_COUNTERS puts it there)");
            foreach (var value in declared.Values)
            {
                // The last enumerator (…_MAX) sizes the map and names no counter.
                if (value.Value < 0 || value.Value >= map.MaxEntries)
                {
                    continue;
                }

                var name = NameOf(value.Name);
                if (!seen.Add(name))
                {
                    throw new KitLayoutException($"object {obj.Name}: two counters are named {name} (enum {enumName}, {value.Name})");
                }

                slots.Add((name, map, (uint)value.Value));
            }
        }

        return new KernelCounters(slots);
    }

    private static string Describe(string name) => name.Replace('.', ' ').Replace('_', ' ');
}
