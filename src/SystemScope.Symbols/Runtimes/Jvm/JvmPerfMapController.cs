using SystemScope.Symbols.Processes;
using SystemScope.Symbols.Support;

namespace SystemScope.Symbols.Runtimes.Jvm;

/// <summary>
/// Names a HotSpot JVM's compiled Java methods: asks it over the attach mechanism to write its perf
/// map (<c>Compiler.perfmap</c>, JDK 17+: a snapshot of the code cache into <c>/tmp/perf-NSPID.map</c>),
/// again every <see cref="RefreshInterval"/> while a session holds it (code compiled since), and when
/// the last session leaves removes the map unless it existed before the first request.
/// </summary>
internal sealed class JvmPerfMapController(string procRoot, TimeSpan timeout, TimeSpan refresh, FailureLog failures, Action<int> perfMapRewritten)
    : RuntimeNameController(procRoot, failures, perfMapRewritten)
{
    public const string Command = "Compiler.perfmap";

    protected override string Kind => "jvm-perf-map";

    protected override TimeSpan? RefreshInterval => refresh;

    public static bool IsJvm(ProcessSnapshot snapshot) =>
        snapshot.Mappings.Any(m => m.Kind == MappingKind.File && m.Module == "libjvm.so");

    /// <summary>The perf map as seen from outside the JVM's mount and pid namespaces.</summary>
    public static string MapPath(string procRoot, int pid) => $"{procRoot}/{pid}/root/tmp/perf-{ProcessInfo.ReadNamespacePid(procRoot, pid)}.map";

    protected override bool Runs(ProcessSnapshot snapshot) => IsJvm(snapshot);

    protected override async Task<bool> EnableAsync(int pid, bool first)
    {
        var existed = first && File.Exists(MapPath(ProcRoot, pid));
        await HotSpotAttach.ExecuteAsync(ProcRoot, pid, Command, timeout).ConfigureAwait(false);
        return existed;
    }

    protected override Task DisableAsync(int pid, bool removeMap)
    {
        // The JVM writes the map only when asked: there is nothing to switch off, only the file to remove.
        if (removeMap)
        {
            File.Delete(MapPath(ProcRoot, pid));
        }

        return Task.CompletedTask;
    }
}
