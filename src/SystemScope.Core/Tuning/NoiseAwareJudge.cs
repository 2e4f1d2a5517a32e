namespace SystemScope.Core.Tuning;

/// <summary>
/// Compares the windows after a change with the windows before it. The baseline's own variation is
/// measured first: an effect counts only when it is larger than twice the baseline's standard deviation,
/// a tenth of its mean and the metric's minimum effect — so a change is never credited with noise. A
/// baseline whose standard deviation exceeds its mean (and the minimum effect) is too noisy to judge
/// anything against: the judge says so before anything is applied.
/// </summary>
public static class NoiseAwareJudge
{
    /// <summary>Coefficient of variation above which the baseline is too noisy.</summary>
    public const double MaxBaselineVariation = 1.0;

    public static (double Mean, double StdDev) Describe(IReadOnlyList<double> samples)
    {
        if (samples.Count == 0)
        {
            return (0, 0);
        }

        var mean = samples.Average();
        var variance = samples.Count > 1 ? samples.Sum(s => (s - mean) * (s - mean)) / (samples.Count - 1) : 0;
        return (mean, Math.Sqrt(variance));
    }

    /// <summary>Null when the baseline can be judged against, else why not.</summary>
    public static string? TooNoisy(IReadOnlyList<double> baseline, MetricSpec metric)
    {
        if (baseline.Count < 2)
        {
            return $"only {baseline.Count} baseline window(s) had data for {metric.Label}: at least 2 are needed to know its noise";
        }

        var (mean, sd) = Describe(baseline);
        return sd > metric.MinimumEffect && sd > MaxBaselineVariation * Math.Abs(mean)
            ? $"the baseline of {metric.Label} is too noisy to judge a change: mean {mean:0.##} {metric.Unit}, standard deviation {sd:0.##} {metric.Unit} over {baseline.Count} windows"
            : null;
    }

    public static double RequiredEffect(IReadOnlyList<double> baseline, MetricSpec metric)
    {
        var (mean, sd) = Describe(baseline);
        return Math.Max(metric.MinimumEffect, Math.Max(2 * sd, 0.1 * Math.Abs(mean)));
    }

    public static Verdict Judge(IReadOnlyList<double> baseline, IReadOnlyList<double> after, MetricSpec metric)
    {
        var (mean, sd) = Describe(baseline);
        var required = RequiredEffect(baseline, metric);
        if (after.Count == 0)
        {
            return new Verdict(VerdictKind.RolledBackError, $"no window after the change had data for {metric.Label}", mean, sd, double.NaN, required);
        }

        var afterMean = after.Average();
        var better = metric.LowerIsBetter ? mean - afterMean : afterMean - mean;
        var figures = $"{metric.Label} {mean:0.##} → {afterMean:0.##} {metric.Unit} (baseline noise ±{sd:0.##}, needed a change of {required:0.##})";
        return better >= required ? new Verdict(VerdictKind.Kept, "improved: " + figures, mean, sd, afterMean, required)
            : -better >= required ? new Verdict(VerdictKind.RolledBackRegression, "regressed: " + figures, mean, sd, afterMean, required)
            : new Verdict(VerdictKind.RolledBackNoEffect, "no measurable effect: " + figures, mean, sd, afterMean, required);
    }
}
