using System.Diagnostics;
using SystemScope.Core.Analyses.Accel;
using SystemScope.Core.Models.Table;
using SystemScope.Core.Sessions;
using SystemScope.Core.Sources;
using SystemScope.Sources.Accel;
using SystemScope.Sources.Process;
using SystemScope.Sources.Processes;
using SystemScope.Kernel.Tests.Infrastructure;

namespace SystemScope.Kernel.Tests.Accel;

/// <summary>
/// The accel source's whole live path — its reading loop, the scan, the session loop, the analysis —
/// in a real session whose source reads a stand-in /proc (the agent always reads /proc; only the root
/// differs). The stand-in's counters are advanced between readings by known amounts, and the session's
/// busy time must add up to exactly those.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class AccelLivePathTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("systemscope-fakeproc-").FullName;

    [KernelFact]
    public void Busy_time_in_the_session_is_exactly_what_the_engines_counters_advanced()
    {
        var directory = Path.Combine(_root, "4242");
        Directory.CreateDirectory(Path.Combine(directory, "fd"));
        Directory.CreateDirectory(Path.Combine(directory, "fdinfo"));
        File.WriteAllText(Path.Combine(directory, "comm"), "trainer\n");
        File.CreateSymbolicLink(Path.Combine(directory, "fd", "5"), "/dev/dri/renderD128");
        File.CreateSymbolicLink(Path.Combine(directory, "fd", "6"), "/dev/dri/renderD128");
        WriteCounters(directory, gfxNs: 1_000, vramKiB: 1024);

        using var manager = new SessionManager(
            sources: [new ProcessSourceProvider(ProcessSourceOptions.Default), new StandInAccelProvider(_root)],
            analyses: [new AccelAnalysisProvider()],
            participants: [],
            processes: new ProcessTable(),
            agentPid: Environment.ProcessId);
        var session = manager.Start(new SessionSpec
        {
            Sources = [SourceRequest.Named("accel") with { TextOptions = new Dictionary<string, string> { ["interval"] = "200", ["nvml"] = "false", ["fences"] = "false" } }],
            Filter = ProcessFilter.All,
            Lease = SessionLease.Detached(),
        });
        var table = (TableModel)session.Models.Single(m => m.Descriptor.Id == "accel.drm.clients");
        var columns = table.Columns.Select(c => c.Name).ToList();
        object? Cell(string column) => table.Rows.SingleOrDefault(r => (long)r[0] == 4242)?[columns.IndexOf(column)];

        Wait(() => Cell("busy") is long, "the first reading of the client");
        WriteCounters(directory, gfxNs: 1_000 + 500_000_000, vramKiB: 2048);
        Wait(() => Cell("busy") is 500_000_000L, "busy time of 0.5 s after the counter advanced by 0.5 s");
        WriteCounters(directory, gfxNs: 1_000 + 500_000_000 + 250_000_000, vramKiB: 2048);
        Wait(() => Cell("busy") is 750_000_000L, "0.75 s in all");

        Assert.Equal(2L, Cell("fds")); // two fds, one client
        Assert.Equal("amdgpu", Cell("driver"));
        Assert.Equal(2048L * 1024, Cell("memory"));
        manager.Stop(session.Id);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static void WriteCounters(string directory, long gfxNs, long vramKiB)
    {
        var text = $"pos:\t0\ndrm-driver:\tamdgpu\ndrm-client-id:\t9\ndrm-pdev:\t0000:03:00.0\ndrm-memory-vram:\t{vramKiB} KiB\ndrm-engine-gfx:\t{gfxNs} ns\n";
        foreach (var fd in new[] { "5", "6" })
        {
            var path = Path.Combine(directory, "fdinfo", fd);
            File.WriteAllText(path + ".tmp", text);
            File.Move(path + ".tmp", path, overwrite: true); // a reader sees the old text or the new, never half
        }
    }

    private static void Wait(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < EventRecorder.Patience, $"waited {EventRecorder.Patience} for {what}");
            Thread.Sleep(20);
        }
    }

    /// <summary>The real accel source, reading <paramref name="root"/> instead of /proc.</summary>
    private sealed class StandInAccelProvider(string root) : ISourceProvider
    {
        public SourceDescriptor Descriptor => AccelSourceProvider.SourceDescriptor;

        public SourceAvailability Probe() => SourceAvailability.Yes("stand-in /proc");

        public ISource Create(SourceContext context) => new AccelSource(context, root);
    }
}
