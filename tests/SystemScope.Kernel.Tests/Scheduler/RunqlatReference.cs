using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace SystemScope.Kernel.Tests.Scheduler;

/// <summary>
/// libbpf-tools' runqlat on the same process at the same time, as the reference distribution
/// (<c>runqlat -p PID SECONDS 1</c>: one µs log2 histogram).
/// </summary>
internal sealed partial class RunqlatReference : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _output;

    private RunqlatReference(Process process)
    {
        _process = process;
        _output = process.StandardOutput.ReadToEndAsync();
    }

    public static RunqlatReference Start(int pid, int seconds)
    {
        var start = new ProcessStartInfo("runqlat") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-p", pid.ToString(CultureInfo.InvariantCulture), seconds.ToString(CultureInfo.InvariantCulture), "1" })
        {
            start.ArgumentList.Add(arg);
        }

        return new RunqlatReference(Process.Start(start) ?? throw new InvalidOperationException("runqlat (libbpf-tools) could not be started"));
    }

    /// <summary>The histogram runqlat printed: bucket counts by lower bound, and the index (in our log2 numbering) of its median.</summary>
    public (IReadOnlyDictionary<long, long> Buckets, int MedianBucket) Result(TimeSpan timeout)
    {
        Assert.True(_process.WaitForExit(timeout), "runqlat did not finish");
        var buckets = new SortedDictionary<long, long>();
        foreach (Match line in BucketLine().Matches(_output.Result))
        {
            buckets[long.Parse(line.Groups[1].Value, CultureInfo.InvariantCulture)] = long.Parse(line.Groups[3].Value, CultureInfo.InvariantCulture);
        }

        Assert.True(buckets.Count > 0, $"runqlat printed no histogram: {_output.Result}");
        var half = buckets.Values.Sum() / 2.0;
        long seen = 0;
        foreach (var (low, count) in buckets)
        {
            seen += count;
            if (seen >= half)
            {
                // runqlat's rows are [low, high] with low = 0, 2, 4, 8 …; ours: 0 = [0,1), k = [2^(k-1), 2^k).
                return (buckets, low == 0 ? 0 : 64 - (int)long.LeadingZeroCount(low));
            }
        }

        return (buckets, 0);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"^\s*(\d+) -> (\d+)\s*: (\d+)", RegexOptions.Multiline)]
    private static partial Regex BucketLine();
}
