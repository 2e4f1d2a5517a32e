using System.Globalization;
using SystemScope.Core.Events.Process;
using SystemScope.Core.Symbols;
using SystemScope.Symbols.Runtimes.Dotnet;
using SystemScope.Symbols.Tests.Support;
using static SystemScope.Symbols.Tests.NativeSymbolizationTests;

namespace SystemScope.Symbols.Tests;

/// <summary>
/// Real .NET processes: the perf map is switched on over the diagnostic port when a session sees
/// the process (no restart, no environment variable), JIT frames resolve through it, and it is
/// switched off when the last session that needed it stops.
/// </summary>
public sealed class DotnetPerfMapTests
{
    [Fact]
    public async Task The_perf_map_is_switched_on_at_run_time_and_jit_frames_resolve_until_the_last_session_leaves()
    {
        using var symbolizer = new Symbolizer();
        using var sessions = new LifecycleSessions(symbolizer);
        var (first, firstSource) = sessions.Start();
        var (second, secondSource) = sessions.Start();
        using var workload = DotnetWorkload.Start(isolated: false);
        Assert.False(File.Exists(workload.PerfMapPath), "the workload must not write a perf map before it is asked to");

        firstSource.Publish(workload.Pid, ProcessChange.Seen);
        secondSource.Publish(workload.Pid, ProcessChange.Seen);
        await symbolizer.FlushAsync();

        AssertEnabled(symbolizer, workload.Pid);
        var hot = FindInPerfMap(workload.PerfMapPath, "SpinInHotMethod");
        var mapping = Frames.MappingOf(workload.Pid, hot);
        Assert.NotNull(mapping);
        Assert.Contains("memfd:doublemapper", mapping.Value.Path, StringComparison.Ordinal);
        AssertFrame(Frames.User(symbolizer, workload.Pid, hot + 4)[0], DotnetWorkload.HotMethod, "DotnetHotLoop", FrameKind.Jit);

        // Jitted after the map was read: found by reading what was appended.
        workload.Send("jit first");
        workload.ReadUntil("jitted first");
        var cold = FindInPerfMap(workload.PerfMapPath, "ColdPaths::First");
        AssertFrame(Frames.User(symbolizer, workload.Pid, cold + 1)[0], "DotnetHotLoop.ColdPaths::First(int32)", "DotnetHotLoop", FrameKind.Jit);

        // One of two sessions stops: still needed.
        sessions.Manager.Stop(first.Id);
        await symbolizer.FlushAsync();
        Assert.Equal(PerfMapControlState.On, symbolizer.PerfMapStateOf(workload.Pid));
        Assert.Equal(0, symbolizer.Diagnostics.PerfMapsDisabled);

        // The last one stops: switched off, the map it caused removed, and the runtime writes no new one.
        sessions.Manager.Stop(second.Id);
        await symbolizer.FlushAsync();
        Assert.Equal(1, symbolizer.Diagnostics.PerfMapsDisabled);
        Assert.Equal(0, symbolizer.Diagnostics.PerfMapsEnabled);
        Assert.True(symbolizer.Diagnostics.PerfMapFilesRemoved >= 1);
        Assert.Empty(symbolizer.Diagnostics.RecentFailures);
        Assert.False(File.Exists(workload.PerfMapPath), $"{workload.PerfMapPath} was left behind");
        Assert.False(File.Exists(workload.PerfMapPath.Replace("/perf-", "/perfinfo-", StringComparison.Ordinal)), "perfinfo map was left behind");
        workload.Send("jit second");
        workload.ReadUntil("jitted second");
        Assert.False(File.Exists(workload.PerfMapPath), "the runtime wrote its map again after it was switched off");
    }

    [KernelFact]
    public async Task A_process_in_its_own_mount_and_pid_namespaces_gets_its_perf_map_through_its_root()
    {
        using var symbolizer = new Symbolizer();
        using var sessions = new LifecycleSessions(symbolizer);
        var (session, source) = sessions.Start();
        using var workload = DotnetWorkload.Start(isolated: true);

        // Premise: another pid and a private /tmp, so nothing of it is visible in this /tmp.
        Assert.NotEqual(workload.Pid, workload.NamespacePid);
        Assert.Empty(Directory.GetFiles("/tmp", $"dotnet-diagnostic-{workload.NamespacePid}-*"));

        source.Publish(workload.Pid, ProcessChange.Seen);
        await symbolizer.FlushAsync();

        AssertEnabled(symbolizer, workload.Pid);
        Assert.False(File.Exists($"/tmp/perf-{workload.NamespacePid}.map") && File.Exists($"/tmp/perf-{workload.Pid}.map"));
        var hot = FindInPerfMap(workload.PerfMapPath, "SpinInHotMethod");
        AssertFrame(Frames.User(symbolizer, workload.Pid, hot + 4)[0], DotnetWorkload.HotMethod, "DotnetHotLoop", FrameKind.Jit);

        sessions.Manager.Stop(session.Id);
        await symbolizer.FlushAsync();
        Assert.Equal(1, symbolizer.Diagnostics.PerfMapsDisabled);
        Assert.Empty(symbolizer.Diagnostics.RecentFailures);
        Assert.False(File.Exists(workload.PerfMapPath), "the map in the container's /tmp was left behind");
    }

    [Fact]
    public async Task A_perf_map_the_process_enabled_itself_is_left_alone()
    {
        using var symbolizer = new Symbolizer();
        using var sessions = new LifecycleSessions(symbolizer);
        var (session, source) = sessions.Start();
        using var workload = DotnetWorkload.Start(isolated: false, ("DOTNET_PerfMapEnabled", "3"));

        source.Publish(workload.Pid, ProcessChange.Seen);
        await symbolizer.FlushAsync();
        Assert.Equal(PerfMapControlState.External, symbolizer.PerfMapStateOf(workload.Pid));
        var hot = FindInPerfMap(workload.PerfMapPath, "SpinInHotMethod");
        Assert.Equal(DotnetWorkload.HotMethod, Frames.User(symbolizer, workload.Pid, hot)[0].Name);

        sessions.Manager.Stop(session.Id);
        await symbolizer.FlushAsync();
        Assert.Equal(0, symbolizer.Diagnostics.PerfMapsDisabled);
        Assert.Equal(0, symbolizer.Diagnostics.PerfMapFilesRemoved);
        workload.Send("jit second");
        workload.ReadUntil("jitted second");
        Assert.Contains("ColdPaths::Second", File.ReadAllText(workload.PerfMapPath), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ready_to_run_framework_code_outside_any_method_is_named_by_its_image_and_rva()
    {
        using var symbolizer = new Symbolizer();
        using var workload = DotnetWorkload.Start(isolated: false);
        symbolizer.Track(workload.Pid);
        await symbolizer.FlushAsync();

        var line = File.ReadLines($"/proc/{workload.Pid}/maps").First(l => l.Contains("r-xp", StringComparison.Ordinal) && l.EndsWith("/System.Private.CoreLib.dll", StringComparison.Ordinal));
        var start = ulong.Parse(line[..line.IndexOf('-')], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        var offset = ulong.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture);

        // The first page of code holds no method (import cells, headers): named by its RVA, as the image's methods are placed.
        var path = line[line.IndexOf('/')..];
        using var pe = new System.Reflection.PortableExecutable.PEReader(File.OpenRead(path));
        var fileOffset = (int)(offset + 0x1000);
        var section = pe.PEHeaders.SectionHeaders.First(s => fileOffset >= s.PointerToRawData && fileOffset < s.PointerToRawData + s.SizeOfRawData);
        var rva = fileOffset - section.PointerToRawData + section.VirtualAddress;
        AssertFrame(Frames.User(symbolizer, workload.Pid, start + 0x1000)[0], $"System.Private.CoreLib.dll+0x{rva:x}", "System.Private.CoreLib.dll", FrameKind.Unknown);
    }

    private static void AssertEnabled(Symbolizer symbolizer, int pid)
    {
        var diagnostics = symbolizer.Diagnostics;
        Assert.True(
            symbolizer.PerfMapStateOf(pid) == PerfMapControlState.On,
            $"perf map of {pid} is {symbolizer.PerfMapStateOf(pid)}; failures: {string.Join("; ", diagnostics.RecentFailures.Select(f => $"{f.What}: {f.Message}"))}");
        Assert.Equal(1, diagnostics.PerfMapsEnabled);
    }

    /// <summary>The start address of the first perf map line naming <paramref name="method"/>.</summary>
    private static ulong FindInPerfMap(string path, string method)
    {
        Assert.True(File.Exists(path), $"{path} does not exist");
        var line = File.ReadLines(path).FirstOrDefault(l => l.Contains(method, StringComparison.Ordinal));
        Assert.True(line is not null, $"{method} is not in {path}");
        var start = line.Split(' ')[0];
        return ulong.Parse(start.StartsWith("0x", StringComparison.Ordinal) ? start[2..] : start, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    }
}
