using SystemScope.Core.Analyses.Scheduler;
using SystemScope.Core.Models.Histogram;
using SystemScope.Core.Tuning;

namespace SystemScope.Sources.Tuning.Advisors;

/// <summary>
/// A process's run-queue latency p99 over each window, in µs, from the live <c>sched.runqlat</c> model:
/// the difference of its cumulative histogram between two samples. Null for a window with fewer than
/// <see cref="MinWakeups"/> wakeups (too few for a p99).
/// </summary>
public sealed class RunQueueP99(HistogramModel model, int pid) : ITargetMetric
{
    public const int MinWakeups = 20;

    private long[]? _last;

    public static string Key(int pid) => "pid:" + pid.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public double? Sample()
    {
        var now = model.Total(Key(pid))?.Buckets ?? new long[SchedAnalysis.Buckets];
        var last = _last;
        _last = now;
        if (last is null)
        {
            return null;
        }

        var window = new long[now.Length];
        long count = 0;
        for (var i = 0; i < now.Length; i++)
        {
            window[i] = now[i] - (i < last.Length ? last[i] : 0);
            count += window[i];
        }

        // The top bucket's bound stands in for the maximum, which a difference of totals does not keep.
        return count < MinWakeups ? null : Log2Scale.Percentile(window, 0.99, 1L << (window.Length - 1));
    }
}
