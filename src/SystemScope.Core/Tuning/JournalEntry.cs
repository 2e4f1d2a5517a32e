namespace SystemScope.Core.Tuning;

/// <summary>Where an action stands in the journal.</summary>
public enum ActionState
{
    /// <summary>Written to the journal before the first write; the verdict is pending. Found like this at start (the owner died): restored.</summary>
    Applied,

    /// <summary>Verified and kept: stays until <c>tune rollback</c>.</summary>
    Kept,

    /// <summary>Restored to the values read before (see the verdict for why).</summary>
    RolledBack,

    /// <summary>Refused before any write (too noisy, a write found impossible): nothing changed.</summary>
    NotApplied,
}

/// <summary>One write of an action, with the value read before it (what a rollback writes back) and the one after.</summary>
public sealed record JournalChange(string Tunable, TunableTarget Target, string Before, string After)
{
    /// <summary>Whether the write happened (a failed action restores only what it wrote).</summary>
    public bool Written { get; init; }

    /// <summary>The value read back after a rollback: equal to <see cref="Before"/> when it restored exactly.</summary>
    public string? Restored { get; init; }
}

/// <summary>One audit line: when, who, what.</summary>
public sealed record JournalStep(DateTimeOffset At, string Who, string What);

/// <summary>The process that owns an applied action: when it is gone and the action is still <see cref="ActionState.Applied"/>, it crashed.</summary>
public sealed record JournalOwner(int Pid, long StartTicks);

/// <summary>
/// One action, everything about it: the finding and its evidence, the changes with values before and
/// after, the metric's windows before and after, the verdict and every step (the audit log).
/// </summary>
public sealed record JournalEntry
{
    public required string Id { get; init; }

    public required string FindingId { get; init; }

    public required string ActionId { get; init; }

    public required string Title { get; init; }

    public required string Who { get; init; }

    public required JournalOwner Owner { get; init; }

    public ActionState State { get; set; }

    public required List<JournalChange> Changes { get; init; }

    public required MetricSpec Metric { get; init; }

    public IReadOnlyList<Evidence> Evidence { get; init; } = [];

    public List<double> Baseline { get; init; } = [];

    public List<double> After { get; init; } = [];

    /// <summary>Seconds per metric window (the x axis of a before/after chart).</summary>
    public double WindowSeconds { get; init; }

    public Verdict? Verdict { get; set; }

    public DateTimeOffset FoundAt { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset? JudgedAt { get; set; }

    public List<JournalStep> Steps { get; init; } = [];

    /// <summary>From the finding's evidence to the verdict, in seconds (the loop's reaction time).</summary>
    public double? SecondsToVerdict => JudgedAt is { } judged ? Math.Round((judged - FoundAt).TotalSeconds, 2) : null;
}
