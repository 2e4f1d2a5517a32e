using SystemScope.Core.Errors;
using SystemScope.Core.Sessions;

namespace SystemScope.Core.Tuning;

/// <summary>Whether the agent may change anything: off unless started with <c>--allow-tuning</c>; recommend-only never applies.</summary>
public enum TuningMode
{
    Off,
    RecommendOnly,
    Apply,
}

/// <summary>
/// Findings and actions over live evidence. Each request watches its own evidence session (the sources
/// the advisors read, every process) for a window; applying re-finds the finding first, so nothing is
/// ever changed on stale evidence, and keeps the session running while the metric is verified.
/// </summary>
public sealed class TuningService(SessionManager sessions, IReadOnlyList<IAdvisor> advisors, TuningEngine engine, TuningMode mode, int agentPid)
{
    public const string EnableHint = "tuning is not enabled: start the agent with 'systemscope serve --allow-tuning' (or pass --allow-tuning to 'systemscope tune apply'); without it findings are recommendations only";

    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);

    public TuningMode Mode { get; } = mode;

    public TuningEngine Engine { get; } = engine;

    public IReadOnlyList<IAdvisor> Advisors { get; } = advisors;

    /// <summary>The report of the last advise run (the web panel's list).</summary>
    public AdviceReport? Last { get; private set; }

    public async Task<AdviceReport> AdviseAsync(int? pid, TimeSpan duration, CancellationToken cancel)
    {
        await using var evidence = await WatchAsync(pid, duration, cancel);
        return Last = evidence.Report;
    }

    /// <summary>Dry run of a finding's action (the first one unless named): re-finds the finding, checks every change, writes nothing.</summary>
    public async Task<DryRun> DryRunAsync(string findingId, string? actionId, int? pid, TimeSpan duration, CancellationToken cancel)
    {
        await using var evidence = await WatchAsync(pid, duration, cancel);
        var (finding, action) = Find(evidence.Report, findingId, actionId, duration);
        return Engine.DryRun(finding, action);
    }

    public async Task<JournalEntry> ApplyAsync(string findingId, string? actionId, int? pid, TimeSpan duration, VerifyOptions verify, string who, Action<string>? progress, CancellationToken cancel)
    {
        EnsureEnabled();
        verify.Validate();
        await using var evidence = await WatchAsync(pid, duration, cancel);
        var (finding, action) = Find(evidence.Report, findingId, actionId, duration);
        progress?.Invoke($"found {finding.Id}: {finding.Title}");
        var metric = MetricFor(action.Metric.Id, evidence.Context);
        return await Engine.ApplyAsync(finding, action, metric, verify, who, evidence.FoundAt, progress, cancel);
    }

    /// <summary>A change a person names directly (a declared tunable within its range), judged by a metric an advisor can sample.</summary>
    public async Task<JournalEntry> ApplyManualAsync(ProposedChange change, string metricId, bool lowerIsBetter, VerifyOptions verify, string who, Action<string>? progress, CancellationToken cancel)
    {
        EnsureEnabled();
        verify.Validate();
        var tunable = Engine.Tunables.Get(change.Tunable);
        var (advisor, described) = Advisors.Select(a => (a, a.Describe(metricId))).FirstOrDefault(m => m.Item2 is not null);
        var spec = (described ?? throw new InvalidRequestException($"'{metricId}' is not a metric any advisor measures: use listen-overflows:PID or runqlat-p99:PID")) with { LowerIsBetter = lowerIsBetter };
        await using var evidence = await WatchAsync(null, TimeSpan.Zero, cancel, advisor.Sources);
        var action = new ProposedAction("set", $"{tunable.Id} = {change.Value} for {change.Target}", [change], spec);
        var finding = new Finding($"manual.{tunable.Id}.{change.Target.Key}", "manual", $"{who} sets {tunable.Id} for {change.Target}", FindingLayer.Kernel, [], "as stated by the person asking", "as judged by the person asking", [action]);
        return await Engine.ApplyAsync(finding, action, MetricFor(metricId, evidence.Context), verify, who, DateTimeOffset.UtcNow, progress, cancel);
    }

    public void EnsureEnabled()
    {
        if (Mode != TuningMode.Apply)
        {
            throw new UnavailableException("tuning-disabled", Mode == TuningMode.RecommendOnly
                ? "this agent runs in recommend-only mode (--recommend-only): it never applies changes"
                : EnableHint);
        }
    }

    private ITargetMetric MetricFor(string metricId, AdvisorContext context) =>
        Advisors.Select(a => a.Metric(metricId, context)).FirstOrDefault(m => m is not null)
        ?? throw new InvalidRequestException($"no advisor measures '{metricId}'");

    private static (Finding, ProposedAction) Find(AdviceReport report, string findingId, string? actionId, TimeSpan duration)
    {
        var finding = report.Findings.FirstOrDefault(f => f.Id == findingId)
            ?? throw new NotFoundException("unknown-finding", $"finding '{findingId}' is not present now (not seen in the last {duration.TotalSeconds:0.#} s of evidence{(report.Findings.Count > 0 ? "; present: " + string.Join(", ", report.Findings.Select(f => f.Id)) : string.Empty)}): nothing was applied");
        if (finding.Actions.Count == 0)
        {
            throw new InvalidRequestException($"finding '{findingId}' proposes no change: {finding.Advice}");
        }

        var action = actionId is null ? finding.Actions[0] : finding.Actions.FirstOrDefault(a => a.Id == actionId)
            ?? throw new NotFoundException("unknown-action", $"finding '{findingId}' has no action '{actionId}': its actions are {string.Join(", ", finding.Actions.Select(a => a.Id))}");
        return (finding, action);
    }

    private async Task<EvidenceWatch> WatchAsync(int? pid, TimeSpan duration, CancellationToken cancel, IReadOnlyList<string>? only = null)
    {
        if (duration < TimeSpan.Zero || duration > TimeSpan.FromMinutes(10))
        {
            throw new InvalidRequestException($"duration {duration.TotalSeconds:0.#} s is out of range: use 0 to 600 s");
        }

        var wanted = (only ?? Advisors.SelectMany(a => a.Sources)).Distinct(StringComparer.Ordinal).ToList();
        var available = wanted.Where(id => sessions.Probe(id).Available).ToList();
        var session = sessions.Start(new SessionSpec
        {
            Sources = [.. available.Select(SourceRequest.Named)],
            Window = TimeSpan.FromMilliseconds(250),
            Lease = SessionLease.Owned,
        });
        var context = new AdvisorContext(id => session.Models.FirstOrDefault(m => m.Descriptor.Id == id), pid, agentPid);
        var evidence = new EvidenceWatch(sessions, session, context);
        try
        {
            if (duration > TimeSpan.Zero)
            {
                var runs = Advisors.Select(a => a.Begin(context)).ToList();
                var end = DateTime.UtcNow + duration;
                while (DateTime.UtcNow < end)
                {
                    await Task.Delay(Tick, cancel);
                    runs.ForEach(r => r.Tick());
                }

                var results = runs.Select(r => r.Finish()).ToList();
                var skipped = wanted.Except(available).Select(id => new AdvisorNote("evidence", $"source {id} is not available here: {sessions.Probe(id).Reason}"));
                evidence.Report = new AdviceReport(duration.TotalSeconds, [.. results.SelectMany(r => r.Findings)], [.. skipped, .. results.SelectMany(r => r.Notes)]);
            }

            evidence.FoundAt = DateTimeOffset.UtcNow;
            return evidence;
        }
        catch
        {
            await evidence.DisposeAsync();
            throw;
        }
    }

    private sealed class EvidenceWatch(SessionManager sessions, Session session, AdvisorContext context) : IAsyncDisposable
    {
        public AdvisorContext Context { get; } = context;

        public AdviceReport Report { get; set; } = new(0, [], []);

        public DateTimeOffset FoundAt { get; set; }

        public ValueTask DisposeAsync()
        {
            sessions.Stop(session.Id, "evidence no longer needed");
            return ValueTask.CompletedTask;
        }
    }
}
