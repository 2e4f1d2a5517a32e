using SystemScope.Core.Events.Process;
using SystemScope.Core.Symbols;
using SystemScope.Symbols.Runtimes.Jvm;
using SystemScope.Symbols.Tests.Support;
using Xunit.Abstractions;

namespace SystemScope.Symbols.Tests.Runtimes;

/// <summary>
/// Real HotSpot JVMs (the JDK on the machine), started without flags: their compiled methods are
/// named through the perf map the agent asks for over the attach mechanism, the map it caused is
/// removed when the session ends, a JVM that refuses attach says why, and GC counters are read from
/// hsperfdata without attaching.
/// </summary>
public sealed class JvmTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_running_jvm_is_asked_for_its_perf_map_and_its_hot_method_resolves_until_the_session_ends()
    {
        using var workload = JavaWorkload.Start([]);
        var map = $"/tmp/perf-{workload.Pid}.map";
        Assert.False(File.Exists(map), "the JVM must not write a perf map before it is asked to");
        using var symbolizer = new Symbolizer();
        using var sessions = new LifecycleSessions(symbolizer);
        var (session, source) = sessions.Start();

        var clock = System.Diagnostics.Stopwatch.StartNew();
        source.Publish(workload.Pid, ProcessChange.Seen);
        await symbolizer.FlushAsync();
        output.WriteLine($"attach and perf map: {clock.ElapsedMilliseconds} ms");

        Assert.Empty(symbolizer.Diagnostics.RecentFailures);
        Assert.Equal(1, symbolizer.RuntimeNamesActive<JvmPerfMapController>());
        var hot = FirstAddressOf(map, JavaWorkload.HotMethod);
        var frame = Frames.User(symbolizer, workload.Pid, hot + 1)[0];
        Assert.Equal(FrameKind.Jit, frame.Kind);
        Assert.EndsWith(JavaWorkload.HotMethod, frame.Name, StringComparison.Ordinal);
        Assert.False(File.Exists($"/tmp/.attach_pid{workload.Pid}"), "the attach trigger file must be removed");

        // The session ends: the map the agent caused goes, names already read stay.
        sessions.Manager.Stop(session.Id);
        await symbolizer.FlushAsync();
        Assert.False(File.Exists(map), "the perf map the agent caused must be removed");
        Assert.Equal(0, symbolizer.RuntimeNamesActive<JvmPerfMapController>());
        Assert.False(workload.HasExited);
    }

    [Fact]
    public async Task A_jvm_that_refuses_attach_says_why_and_keeps_running()
    {
        using var workload = JavaWorkload.Start(["-XX:+DisableAttachMechanism"]);
        using var symbolizer = new Symbolizer();
        using var sessions = new LifecycleSessions(symbolizer);
        var (_, source) = sessions.Start();

        source.Publish(workload.Pid, ProcessChange.Seen);
        await symbolizer.FlushAsync();

        var failure = Assert.Single(symbolizer.Diagnostics.RecentFailures, f => f.Pid == workload.Pid);
        Assert.Contains("DisableAttachMechanism", failure.Message, StringComparison.Ordinal);
        Assert.False(File.Exists($"/tmp/perf-{workload.Pid}.map"));
        Assert.False(workload.HasExited);
    }

    [Fact]
    public void Gc_counters_come_from_hsperfdata_without_attaching()
    {
        const int Collections = 3;
        using var workload = JavaWorkload.Start([], Collections.ToString(System.Globalization.CultureInfo.InvariantCulture));

        var counters = JvmGcCounters.TryRead("/proc", workload.Pid, out var problem);

        Assert.Null(problem);
        Assert.NotNull(counters);
        output.WriteLine(string.Join('\n', counters.Collectors));
        var full = Assert.Single(counters.Collectors, c => c.Name.Contains("full", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(Collections, full.Invocations);
        Assert.True(full.Time > TimeSpan.Zero);
        Assert.InRange(counters.HeapUsedBytes, 1, counters.HeapCommittedBytes);
        Assert.False(File.Exists($"/tmp/.java_pid{workload.Pid}"), "reading hsperfdata must not attach");
    }

    [Fact]
    public void Hsperfdata_readers_reject_what_is_not_hsperfdata()
    {
        Assert.Throws<InvalidDataException>(() => HsPerfData.Parse(new byte[64]));
        Assert.Null(JvmGcCounters.TryRead("/proc", Environment.ProcessId, out var problem));
        Assert.Contains("not a JVM", problem, StringComparison.Ordinal);
    }

    private static ulong FirstAddressOf(string map, string name)
    {
        foreach (var line in File.ReadLines(map))
        {
            if (line.EndsWith(name, StringComparison.Ordinal))
            {
                return Convert.ToUInt64(line.Split(' ')[0], 16);
            }
        }

        throw new InvalidOperationException($"{name} is not in {map}");
    }
}
