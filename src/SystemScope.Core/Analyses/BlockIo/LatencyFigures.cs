using SystemScope.Core.Events.BlockIo;
using SystemScope.Core.Models.Histogram;

namespace SystemScope.Core.Analyses.BlockIo;

/// <summary>
/// One latency figure of block requests summed over windows: a log2 µs histogram with the exact
/// maximum, and percentiles in ns read from it (estimated inside a bucket, never above the maximum).
/// </summary>
public sealed class LatencyFigures
{
    public LatencyFigures(int buckets = BlockIoAnalysis.LatencyBuckets) => Buckets = new long[buckets];

    public long[] Buckets { get; }

    public long Count { get; private set; }

    public long SumNs { get; private set; }

    public long MaxNs { get; private set; }

    public void Add(BlockLatency latency)
    {
        var span = latency.Buckets.Span;
        for (var i = 0; i < span.Length; i++)
        {
            Buckets[Math.Min(i, Buckets.Length - 1)] += span[i];
            Count += span[i];
        }

        SumNs += latency.SumNs;
        MaxNs = Math.Max(MaxNs, latency.MaxNs);
    }

    /// <summary>The latency below which <paramref name="quantile"/> of the requests lie, in ns (0 when none).</summary>
    public long PercentileNs(double quantile)
    {
        if (Count == 0)
        {
            return 0;
        }

        // The buckets are µs: the exact max, rounded up to µs, bounds the last one.
        var us = Log2Scale.Percentile(Buckets, quantile, (MaxNs + 999) / 1000);
        return Math.Min((long)Math.Round(us * 1000), MaxNs);
    }

    public long AverageNs => Count == 0 ? 0 : SumNs / Count;
}
