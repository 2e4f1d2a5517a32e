using SystemScope.Core.Errors;

namespace SystemScope.Core.Tuning;

/// <summary>How long the metric is watched: windows before the change, one settling window, windows after.</summary>
public sealed record VerifyOptions(TimeSpan Window, int Windows)
{
    public static VerifyOptions Default { get; } = new(TimeSpan.FromSeconds(1), 5);

    public void Validate()
    {
        if (Window < TimeSpan.FromMilliseconds(100) || Window > TimeSpan.FromMinutes(5))
        {
            throw new InvalidRequestException($"verification window {Window.TotalSeconds:0.###} s is out of range: use 0.1 s to 300 s");
        }

        if (Windows is < 2 or > 100)
        {
            throw new InvalidRequestException($"{Windows} verification windows is out of range: use 2 to 100 (the baseline's noise needs at least 2)");
        }
    }
}

/// <summary>Who owns an action and whether an owner named in the journal still runs (a process id alone may be reused).</summary>
public interface IOwnerIdentity
{
    JournalOwner Self { get; }

    bool IsAlive(JournalOwner owner);
}

/// <summary>
/// The loop after a finding: dry run (the exact changes), then measure the baseline, journal the values
/// read before, apply, watch the metric, and keep or restore. Everything a rollback needs is on disk
/// before the first write, so an error, a shutdown or a crash (found by <see cref="Recover"/> at the next
/// start) restores the same values.
/// </summary>
public sealed partial class TuningEngine(TunableRegistry tunables, TuningJournal journal, IOwnerIdentity owner)
{
    private readonly HashSet<string> _busyTargets = new(StringComparer.Ordinal);

    public TunableRegistry Tunables { get; } = tunables;

    public TuningJournal Journal { get; } = journal;

    /// <summary>The changes an action would make, with the values they replace; checks everything a real apply checks, writes nothing.</summary>
    public DryRun DryRun(Finding finding, ProposedAction action)
    {
        var changes = Check(action);
        return new DryRun(finding.Id, action.Id, changes, action.Metric);
    }

    public async Task<JournalEntry> ApplyAsync(Finding finding, ProposedAction action, ITargetMetric metric, VerifyOptions options, string who, DateTimeOffset foundAt, Action<string>? progress, CancellationToken cancel)
    {
        options.Validate();
        var planned = Check(action);
        var targets = planned.Select(c => c.Target.Key).Distinct(StringComparer.Ordinal).ToList();
        Reserve(targets);
        try
        {
            return await RunAsync(finding, action, metric, options, who, foundAt, planned, progress ?? (_ => { }), cancel);
        }
        finally
        {
            lock (_busyTargets)
            {
                _busyTargets.ExceptWith(targets);
            }
        }
    }

    private async Task<JournalEntry> RunAsync(Finding finding, ProposedAction action, ITargetMetric metric, VerifyOptions options, string who, DateTimeOffset foundAt, List<JournalChange> planned, Action<string> progress, CancellationToken cancel)
    {
        var entry = new JournalEntry
        {
            Id = NewId(),
            FindingId = finding.Id,
            ActionId = action.Id,
            Title = finding.Title,
            Who = who,
            Owner = owner.Self,
            State = ActionState.NotApplied,
            Changes = planned,
            Metric = action.Metric,
            Evidence = finding.Evidence,
            WindowSeconds = options.Window.TotalSeconds,
            FoundAt = foundAt,
            StartedAt = DateTimeOffset.UtcNow,
        };
        Step(entry, who, $"apply {action.Id}: {string.Join("; ", planned.Select(Describe))}");

        progress($"measuring the baseline of {action.Metric.Label}: {options.Windows} windows of {options.Window.TotalSeconds:0.##} s");
        await CollectAsync(metric, options, entry.Baseline, cancel);
        if (NoiseAwareJudge.TooNoisy(entry.Baseline, action.Metric) is { } noisy)
        {
            var (mean, sd) = NoiseAwareJudge.Describe(entry.Baseline);
            return Finish(entry, ActionState.NotApplied, new Verdict(VerdictKind.NotJudgedTooNoisy, noisy + ": nothing was applied", mean, sd, double.NaN, double.NaN), "agent");
        }

        // On disk before the first write: whatever happens next, the values to restore are known.
        entry.State = ActionState.Applied;
        Journal.Update(entries => { entries.Add(entry); return 0; });
        try
        {
            for (var i = 0; i < planned.Count; i++)
            {
                var change = planned[i];
                var tunable = Tunables.Get(change.Tunable);
                tunable.Write(change.Target, change.After);
                var now = tunable.Read(change.Target);
                planned[i] = change with { Written = true, After = now };
                Step(entry, who, $"wrote {change.Tunable} {change.Target}: {change.Before} → {now}");
            }

            Save(entry);
            progress($"applied; watching {action.Metric.Label} for {options.Windows} windows after one settling window");
            await Task.Delay(options.Window, cancel);
            metric.Sample();
            await CollectAsync(metric, options, entry.After, cancel);
            var verdict = NoiseAwareJudge.Judge(entry.Baseline, entry.After, action.Metric);
            if (verdict.Kind == VerdictKind.Kept)
            {
                return Finish(entry, ActionState.Kept, verdict, "agent");
            }

            Restore(entry, "agent");
            return Finish(entry, ActionState.RolledBack, verdict, "agent");
        }
        catch (OperationCanceledException)
        {
            Restore(entry, "agent (shutting down)");
            var (mean, sd) = NoiseAwareJudge.Describe(entry.Baseline);
            Finish(entry, ActionState.RolledBack, new Verdict(VerdictKind.RolledBackShutdown, "the agent stopped before the verdict: restored", mean, sd, double.NaN, double.NaN), "agent");
            throw;
        }
        catch (Exception error) when (error is SystemScopeException or IOException or UnauthorizedAccessException)
        {
            Restore(entry, "agent (error)");
            var (mean, sd) = NoiseAwareJudge.Describe(entry.Baseline);
            return Finish(entry, ActionState.RolledBack, new Verdict(VerdictKind.RolledBackError, $"{error.Message}: restored what was written", mean, sd, double.NaN, double.NaN), "agent");
        }
    }

    /// <summary>Restores a kept action (by its journal id, or the newest kept action of a finding id).</summary>
    public JournalEntry Rollback(string id, string who)
    {
        var entry = Journal.Read().LastOrDefault(e => e.Id == id) ?? Journal.Read().LastOrDefault(e => e.FindingId == id && e.State is ActionState.Kept or ActionState.Applied)
            ?? throw new NotFoundException("unknown-action", $"no action or finding '{id}' in the tuning journal {Journal.Path}: 'systemscope tune list' shows them");
        switch (entry.State)
        {
            case ActionState.RolledBack or ActionState.NotApplied:
                throw new ConflictException($"action {entry.Id} is already {(entry.State == ActionState.NotApplied ? "not applied" : "rolled back")} ({entry.Verdict?.Reason}): nothing to restore");
            case ActionState.Applied when owner.IsAlive(entry.Owner) && entry.Owner != owner.Self:
                throw new ConflictException($"action {entry.Id} is being verified by process {entry.Owner.Pid}: it keeps or restores it itself when its windows end");
        }

        Restore(entry, who);
        var verdict = entry.Verdict is { } previous ? previous with { Kind = VerdictKind.RolledBackByUser, Reason = $"rolled back by {who} (was: {previous.Reason})" }
            : new Verdict(VerdictKind.RolledBackByUser, $"rolled back by {who}", double.NaN, double.NaN, double.NaN, double.NaN);
        return Finish(entry, ActionState.RolledBack, verdict, who, keepJudgedAt: true);
    }

    /// <summary>At start: restores what a process that died left applied (its verdict never came). Returns those actions.</summary>
    public IReadOnlyList<JournalEntry> Recover(string who)
    {
        var orphans = Journal.Read().Where(e => e.State == ActionState.Applied && !owner.IsAlive(e.Owner)).ToList();
        foreach (var entry in orphans)
        {
            Restore(entry, who + " (recovering after a crash)");
            var (mean, sd) = NoiseAwareJudge.Describe(entry.Baseline);
            Finish(entry, ActionState.RolledBack, new Verdict(VerdictKind.RolledBackShutdown, $"process {entry.Owner.Pid} ended before its verdict: restored at the next start", mean, sd, double.NaN, double.NaN), who);
        }

        return orphans;
    }
}
