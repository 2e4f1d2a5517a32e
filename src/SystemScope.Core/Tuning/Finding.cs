namespace SystemScope.Core.Tuning;

/// <summary>Where in the stack a finding lives: what the fix touches, not where the evidence came from.</summary>
public enum FindingLayer
{
    Hardware,
    Kernel,
    Runtime,
    Application,
}

/// <summary>
/// A place in a model the evidence comes from, in the model query vocabulary of docs/api.md: the
/// model id plus the query parameters that show it (a series, a histogram group, a flame-graph node
/// path, a time range in ns since the session started), so a UI can open exactly that view.
/// </summary>
public sealed record EvidenceLink(string Model, IReadOnlyDictionary<string, string> Query)
{
    public static EvidenceLink To(string model, params (string Name, string Value)[] query) =>
        new(model, query.ToDictionary(q => q.Name, q => q.Value, StringComparer.Ordinal));
}

/// <summary>One measured number behind a finding, with where it was measured.</summary>
public sealed record Evidence(string Label, double Value, string Unit, EvidenceLink? Link = null, string? Source = null);

/// <summary>One write: a declared tunable, the thing it applies to, and the value to set.</summary>
public sealed record ProposedChange(string Tunable, TunableTarget Target, string Value);

/// <summary>
/// What a finding proposes: one or more changes applied together, and the metric that decides whether
/// they helped (measured before and after).
/// </summary>
public sealed record ProposedAction(string Id, string Summary, IReadOnlyList<ProposedChange> Changes, MetricSpec Metric);

/// <summary>
/// The metric an action is judged by: which one (an id the advisor that made the finding can sample),
/// its unit, and the smallest change that counts (below it a difference is noise whatever the baseline).
/// </summary>
public sealed record MetricSpec(string Id, string Label, string Unit, double MinimumEffect, bool LowerIsBetter = true);

/// <summary>
/// What an advisor found: a stable id (the same situation gives the same id on every run, so
/// <c>tune apply ID</c> works from a finding printed earlier), a title, the layer, the evidence, the
/// expected effect, the risk and the actions that would address it (none for application findings,
/// which come with code-level advice instead).
/// </summary>
public sealed record Finding(
    string Id,
    string Advisor,
    string Title,
    FindingLayer Layer,
    IReadOnlyList<Evidence> Evidence,
    string ExpectedEffect,
    string Risk,
    IReadOnlyList<ProposedAction> Actions)
{
    /// <summary>Advice when no action fits (the application's own backlog is the limit; a code change).</summary>
    public string? Advice { get; init; }

    /// <summary>Processes the finding is about: <c>advise --pid</c> keeps findings that name the pid.</summary>
    public IReadOnlyList<int> Pids { get; init; } = [];
}

/// <summary>A line an advisor says when it cannot look (no cpufreq here) or found nothing to fix.</summary>
public sealed record AdvisorNote(string Advisor, string Text);
