using SystemScope.Core.Analyses.Runtime;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Dotnet;
using SystemScope.Core.Models.TimeSeries;
using SystemScope.Core.Models;
using SystemScope.Core.Sessions;
using SystemScope.Core.Symbols;

namespace SystemScope.Core.Tests;

/// <summary>The dotnet analyses: what goes in which row, which frame names a wait, windows written once.</summary>
public sealed class DotnetAnalysisTests
{
    private const int Pid = 42;

    [Fact]
    public void Lock_waits_are_grouped_by_the_first_frame_outside_the_framework_and_the_lock()
    {
        var analysis = new DotnetContentionAnalysis(new ManagedSymbolizer(), ProcessFilter.ForPid(Pid));
        analysis.OnEvents(
        [
            Wait(100, lockId: 0xA, owner: 7, stack: [1, 2, 3]),
            Wait(50, lockId: 0xA, owner: 7, stack: [1, 2, 3]),
            Wait(20, lockId: 0xB, owner: 8, stack: [1, 4]),
        ]);

        var rows = analysis.Table.Rows;
        Assert.Equal(2, rows.Count);
        Assert.Equal([(long)Pid, "App.Worker::Run", "0xa", 7L, 2L, 150.0, 100.0], rows[0]);
        Assert.Equal("App.Other::Poll", rows[1][1]);
    }

    [Fact]
    public void Each_gc_is_one_row_newest_first_with_its_pause_and_heap_and_a_point_of_each_series()
    {
        var analysis = new DotnetGcAnalysis(ProcessFilter.ForPid(Pid), originNs: 1_000_000_000);
        analysis.OnEvents([Gc(1, 2_000_000_000, pauseNs: 1_500_000, "induced", [10, 20, 30, 0, 0]), Gc(2, 3_000_000_000, pauseNs: 250_000, "alloc_small", [5, 20, 30, 0, 1])]);

        var rows = analysis.List.Rows;
        Assert.Equal(2, rows.Count);
        Assert.Equal(2L, rows[0][1]);
        Assert.Equal("induced", rows[1][4]);
        Assert.Equal(1.5, (double)rows[1][6], 6);
        Assert.Equal(1000.0, (double)rows[1][2], 6);
        Assert.Equal(60L, rows[1][9]);
        Assert.Equal(2, SeriesPoints(analysis.Pauses));
    }

    [Fact]
    public void Allocations_put_the_type_at_the_leaf_and_rank_types_by_bytes()
    {
        var analysis = new DotnetAllocationAnalysis(new ManagedSymbolizer(), ProcessFilter.ForPid(Pid));
        analysis.OnEvents([Allocation("App.Small", 100_000), Allocation("App.Big", 300_000), Allocation("App.Small", 100_000)]);

        Assert.Equal(["App.Big", 300_000L, 1L], analysis.Types.Rows[0]);
        Assert.Equal(["App.Small", 200_000L, 2L], analysis.Types.Rows[1]);
        Assert.Equal(500_000, analysis.Model.Total);
    }

    [Fact]
    public void Rate_windows_are_written_once_complete_as_rates_per_second()
    {
        var model = new TimeSeriesModel(new ModelDescriptor("x", TimeSeriesModel.TypeName, "x", "per s", ["dotnet"]));
        var windows = new RateWindows(model, originNs: 0, TimeSpan.FromMilliseconds(500), [("methods", "Methods")]);
        windows.Add(100_000_000, 0, 1);
        windows.Add(200_000_000, 0, 1);
        windows.Flush(400_000_000);
        Assert.Equal(0, SeriesPoints(model));

        windows.Flush(1_100_000_000);
        Assert.Equal(2, SeriesPoints(model)); // the window with two methods (4/s) and an empty one
    }

    private static int SeriesPoints(TimeSeriesModel model)
    {
        using var stream = new MemoryStream();
        using (var json = new System.Text.Json.Utf8JsonWriter(stream))
        {
            model.Write(json, ModelRequest.Live(0));
        }

        using var document = System.Text.Json.JsonDocument.Parse(stream.ToArray());
        return document.RootElement.GetProperty("starts").GetArrayLength();
    }

    private static Event<DotnetContention> Wait(long ms, ulong lockId, long owner, ulong[] stack) =>
        new(new EventHeader(DotnetContention.Kind, 1_000, Pid, 9) { DurationNs = ms * 1_000_000 }, new DotnetContention(lockId, owner, stack));

    private static Event<DotnetGc> Gc(long number, long startNs, long pauseNs, string reason, long[] sizes) =>
        new(new EventHeader(DotnetGc.Kind, startNs, Pid, 1) { DurationNs = 2 * pauseNs }, new DotnetGc(number, 2, reason, "blocking", pauseNs, 100, sizes, new long[5], -1));

    private static Event<DotnetAllocation> Allocation(string type, long bytes) =>
        new(new EventHeader(DotnetAllocation.Kind, 5_000, Pid, 1), new DotnetAllocation(type, bytes, false, new ulong[] { 2, 3 }));

    /// <summary>1: the framework's Monitor.Enter, 2: the app's worker, 3: the thread start, 4: another app method.</summary>
    private sealed class ManagedSymbolizer : IStackSymbolizer
    {
        public int ResolveUser(int pid, ReadOnlySpan<ulong> addresses, Span<Symbol> frames)
        {
            for (var i = 0; i < addresses.Length; i++)
            {
                frames[i] = addresses[i] switch
                {
                    1 => new Symbol("System.Threading.Monitor::Enter(object)", "System.Private.CoreLib", FrameKind.Jit),
                    2 => new Symbol("App.Worker::Run", "App", FrameKind.Jit),
                    3 => new Symbol("System.Threading.Thread::StartCallback()", "System.Private.CoreLib", FrameKind.Jit),
                    _ => new Symbol("App.Other::Poll", "App", FrameKind.Jit),
                };
            }

            return addresses.Length;
        }

        public void ResolveKernel(ReadOnlySpan<ulong> addresses, Span<Symbol> frames)
        {
        }
    }
}
