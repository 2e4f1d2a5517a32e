using SystemScope.Core.Analyses.BlockIo;
using SystemScope.Core.Events;
using SystemScope.Core.Events.BlockIo;
using SystemScope.Core.Sessions;

namespace SystemScope.Core.Tests;

/// <summary>The block layer's analysis on windows with known truth (the kernel side is tested with real BPF elsewhere).</summary>
public sealed class BlockIoAnalysisTests
{
    private const long Second = 1_000_000_000;

    [Fact]
    public void Rows_add_up_over_windows_per_device_process_and_operation_with_percentiles_from_the_histograms()
    {
        var analysis = new BlockIoAnalysis(ProcessFilter.All);
        // 100 writes of 1 MiB: queue 3 µs ([2,4) µs), device 700 µs ([512,1024) µs), in two windows.
        analysis.OnEvents([Stats(0, pid: 7, "vda", BlockIoOp.Write, count: 60, queueUs: 3, deviceUs: 700)]);
        analysis.OnEvents([Stats(Second, pid: 7, "vda", BlockIoOp.Write, count: 40, queueUs: 3, deviceUs: 700), Stats(Second, pid: 8, "vda", BlockIoOp.Read, count: 1, queueUs: 0, deviceUs: 100)]);

        var columns = analysis.Requests.Columns.Select(c => c.Name).ToList();
        var row = analysis.Requests.Rows.Single(r => (long)r[columns.IndexOf("pid")] == 7);
        object Cell(string name) => row[columns.IndexOf(name)];
        Assert.Equal("vda", Cell("device"));
        Assert.Equal("writer", Cell("comm"));
        Assert.Equal("write", Cell("op"));
        Assert.Equal(100L, Cell("count"));
        Assert.Equal(100L << 20, Cell("bytes"));
        Assert.Equal(50.0, Cell("sequential_pct"));
        Assert.InRange((long)Cell("device_p50_ns"), 512_000, 700_000);
        Assert.Equal(700_000L, Cell("device_max_ns"));
        Assert.InRange((long)Cell("queue_p99_ns"), 2_000, 3_000);
        Assert.Equal(703_000L, Cell("max_ns"));
        Assert.True((long)Cell("p99_ns") <= (long)Cell("max_ns"));

        var all = analysis.Latency.Total("all")!;
        Assert.Equal(101, all.Count);
        Assert.Equal(100, analysis.Latency.Total("dev:vda:device")!.Buckets[10]); // [512, 1024) µs
        Assert.Equal(100, analysis.Sizes.Total("dev:vda:write")!.Buckets[21]);    // [1 MiB, 2 MiB)
        Assert.Equal(2, analysis.Heatmap.Columns);
    }

    [Fact]
    public void A_pid_filter_keeps_only_its_processes()
    {
        var analysis = new BlockIoAnalysis(ProcessFilter.ForPid(8));
        analysis.OnEvents([Stats(0, pid: 7, "vda", BlockIoOp.Write, count: 5, queueUs: 1, deviceUs: 10)]);

        Assert.Empty(analysis.Requests.Rows);
        Assert.Null(analysis.Latency.Total("all"));
    }

    [Fact]
    public void Percentiles_stay_within_the_exact_maximum()
    {
        var figures = new LatencyFigures();
        var buckets = new long[BlockIoAnalysis.LatencyBuckets];
        buckets[11] = 10; // [1024, 2048) µs
        figures.Add(new BlockLatency(buckets, 10 * 1_100_000, 1_100_000));

        Assert.InRange(figures.PercentileNs(0.5), 1_024_000, 1_100_000);
        Assert.InRange(figures.PercentileNs(0.99), 1_090_000, 1_100_000);
        Assert.Equal(1_100_000, figures.AverageNs);
        Assert.Equal(0, new LatencyFigures().PercentileNs(0.5));
    }

    private static Event<BlockIoStats> Stats(long start, int pid, string device, BlockIoOp op, long count, long queueUs, long deviceUs)
    {
        static BlockLatency Latency(long count, long us)
        {
            var buckets = new long[BlockIoAnalysis.LatencyBuckets];
            buckets[us == 0 ? 0 : 64 - (int)long.LeadingZeroCount(us)] = count;
            return new BlockLatency(buckets, count * us * 1000, us * 1000);
        }

        var bytes = op == BlockIoOp.Write ? 1L << 20 : 4096;
        var sizes = new long[BlockIoAnalysis.SizeBuckets];
        sizes[64 - (int)long.LeadingZeroCount(bytes)] = count;
        var header = new EventHeader(BlockIoStats.Kind, start, pid, 0) { DurationNs = Second };
        return new Event<BlockIoStats>(header, new BlockIoStats(
            device, op, op == BlockIoOp.Write ? "writer" : "reader", "/", count, count * bytes, count / 2, 0,
            Latency(count, queueUs + deviceUs), Latency(count, queueUs), Latency(count, deviceUs), sizes));
    }
}
