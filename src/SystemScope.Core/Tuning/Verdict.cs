namespace SystemScope.Core.Tuning;

/// <summary>How an action ended.</summary>
public enum VerdictKind
{
    /// <summary>The metric improved beyond the baseline's noise: the change stays.</summary>
    Kept,

    /// <summary>The metric got worse beyond the noise: restored.</summary>
    RolledBackRegression,

    /// <summary>No measurable effect: restored (a change that does not help is not left behind).</summary>
    RolledBackNoEffect,

    /// <summary>A write or the verification failed: restored.</summary>
    RolledBackError,

    /// <summary>The agent stopped (or crashed) before the verdict: restored.</summary>
    RolledBackShutdown,

    /// <summary>The baseline varied too much to judge any effect: nothing was applied.</summary>
    NotJudgedTooNoisy,

    /// <summary>Someone asked for it (<c>tune rollback</c>): restored.</summary>
    RolledBackByUser,
}

/// <summary>A judgement with its figures: baseline and after means, the noise and the effect the judge required.</summary>
public sealed record Verdict(VerdictKind Kind, string Reason, double BaselineMean, double BaselineNoise, double AfterMean, double RequiredEffect)
{
    public static string Name(VerdictKind kind) => kind switch
    {
        VerdictKind.Kept => "kept",
        VerdictKind.RolledBackRegression => "rolled-back-regression",
        VerdictKind.RolledBackNoEffect => "rolled-back-no-effect",
        VerdictKind.RolledBackError => "rolled-back-error",
        VerdictKind.RolledBackShutdown => "rolled-back-shutdown",
        VerdictKind.NotJudgedTooNoisy => "not-judged-too-noisy",
        _ => "rolled-back-by-user",
    };
}
