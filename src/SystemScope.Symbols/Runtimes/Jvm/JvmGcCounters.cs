using System.Globalization;

namespace SystemScope.Symbols.Runtimes.Jvm;

/// <summary>One garbage collector of a JVM: its name, collections so far and the time they took.</summary>
internal readonly record struct JvmCollector(string Name, long Invocations, TimeSpan Time);

/// <summary>
/// GC and heap counters of a running JVM from its hsperfdata file, read without attaching:
/// <c>sun.gc.collector.N.{name,invocations,time}</c> (time in ticks of <c>sun.os.hrt.frequency</c>) and
/// the used and committed bytes of every generation's spaces.
/// </summary>
internal sealed record JvmGcCounters(IReadOnlyList<JvmCollector> Collectors, long HeapUsedBytes, long HeapCommittedBytes)
{
    /// <summary>Reads the counters of process <paramref name="pid"/>; null with the reason when there are none.</summary>
    public static JvmGcCounters? TryRead(string procRoot, int pid, out string? problem)
    {
        var nsPid = Processes.ProcessInfo.ReadNamespacePid(procRoot, pid);
        var path = HsPerfData.Find(procRoot, pid, nsPid);
        if (path is null)
        {
            problem = $"no hsperfdata file for process {pid} (not a JVM, or -XX:-UsePerfData)";
            return null;
        }

        try
        {
            problem = null;
            return From(HsPerfData.Parse(HsPerfData.ReadWithoutLock(path)));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            problem = $"{path}: {ex.Message}";
            return null;
        }
    }

    public static JvmGcCounters From(HsPerfData data)
    {
        var frequency = data.Long("sun.os.hrt.frequency") is { } hz and > 0 ? hz : 1_000_000_000L;
        var collectors = new List<JvmCollector>();
        for (var i = 0; data.Long(Name("sun.gc.collector", i, "invocations")) is { } invocations; i++)
        {
            var ticks = data.Long(Name("sun.gc.collector", i, "time")) ?? 0;
            collectors.Add(new JvmCollector(data.Text(Name("sun.gc.collector", i, "name")) ?? $"collector {i}", invocations, TimeSpan.FromSeconds((double)ticks / frequency)));
        }

        long used = 0, committed = 0;
        for (var generation = 0; data.Long(Name("sun.gc.generation", generation, "spaces")) is { } spaces; generation++)
        {
            for (var space = 0; space < spaces; space++)
            {
                var prefix = string.Create(CultureInfo.InvariantCulture, $"sun.gc.generation.{generation}.space.{space}");
                used += data.Long($"{prefix}.used") ?? 0;
                committed += data.Long($"{prefix}.capacity") ?? 0;
            }
        }

        return new JvmGcCounters(collectors, used, committed);
    }

    private static string Name(string group, int index, string counter) => string.Create(CultureInfo.InvariantCulture, $"{group}.{index}.{counter}");
}
