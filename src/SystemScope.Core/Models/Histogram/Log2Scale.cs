namespace SystemScope.Core.Models.Histogram;

/// <summary>
/// Log2 buckets as the kernel-side histograms fill them: bucket 0 = [0, 1), bucket k = [2^(k-1), 2^k),
/// the last bucket open-ended. Percentiles are estimated linearly inside a bucket, clamped to the exact max.
/// </summary>
public static class Log2Scale
{
    /// <summary>Lower bound of every bucket, in the histogram's unit.</summary>
    public static long[] Bounds(int buckets)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(buckets, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(buckets, 63);
        var bounds = new long[buckets];
        for (var k = 1; k < buckets; k++)
        {
            bounds[k] = 1L << (k - 1);
        }

        return bounds;
    }

    /// <summary>The bucket a value falls in.</summary>
    public static int BucketOf(long value, int buckets)
    {
        if (value <= 0)
        {
            return 0;
        }

        var k = 64 - long.LeadingZeroCount(value);
        return (int)Math.Min(k, buckets - 1);
    }

    /// <summary>The value below which <paramref name="quantile"/> of the counts lie (0 when empty).</summary>
    public static double Percentile(ReadOnlySpan<long> counts, double quantile, long max)
    {
        long total = 0;
        foreach (var c in counts)
        {
            total += c;
        }

        if (total == 0)
        {
            return 0;
        }

        var rank = quantile * total;
        long below = 0;
        for (var k = 0; k < counts.Length; k++)
        {
            if (counts[k] == 0)
            {
                continue;
            }

            if (below + counts[k] >= rank)
            {
                double lower = k == 0 ? 0 : 1L << (k - 1);
                double upper = k == 0 ? 1 : k == counts.Length - 1 ? Math.Max(lower, max) : 1L << k;
                upper = Math.Min(upper, Math.Max(max, lower));
                var within = (rank - below) / counts[k];
                return lower + ((upper - lower) * within);
            }

            below += counts[k];
        }

        return max;
    }
}
