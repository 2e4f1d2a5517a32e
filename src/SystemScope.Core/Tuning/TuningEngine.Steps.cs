using System.Globalization;
using SystemScope.Core.Errors;

namespace SystemScope.Core.Tuning;

public sealed partial class TuningEngine
{
    private static string Describe(JournalChange c) => $"{c.Tunable} {c.Target}: {c.Before} → {c.After}";

    private static string NewId() =>
        "t" + DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString("x", CultureInfo.InvariantCulture) + Random.Shared.Next(0x1000).ToString("x3", CultureInfo.InvariantCulture);

    private static void Step(JournalEntry entry, string who, string what) => entry.Steps.Add(new JournalStep(DateTimeOffset.UtcNow, who, what));

    private static async Task CollectAsync(ITargetMetric metric, VerifyOptions options, List<double> into, CancellationToken cancel)
    {
        metric.Sample();
        for (var i = 0; i < options.Windows; i++)
        {
            await Task.Delay(options.Window, cancel);
            if (metric.Sample() is { } value)
            {
                into.Add(value);
            }
        }
    }

    /// <summary>Every change validated against its tunable (declared, present, in range) and its current value read: nothing is written before all pass.</summary>
    private List<JournalChange> Check(ProposedAction action)
    {
        if (action.Changes.Count == 0)
        {
            throw new InvalidRequestException($"action {action.Id} changes nothing: it is advice only");
        }

        var changes = new List<JournalChange>();
        foreach (var change in action.Changes)
        {
            var tunable = Tunables.Get(change.Tunable);
            if (tunable.Scope != change.Target.Scope)
            {
                throw new InvalidRequestException($"{tunable.Id} applies to a {tunable.Scope} target, not {change.Target}");
            }

            if (tunable.Availability(change.Target) is { } absent)
            {
                throw new UnavailableException("tunable-unavailable", $"{tunable.Id} for {change.Target}: {absent}");
            }

            if (tunable.Validate(change.Target, change.Value) is { } invalid)
            {
                throw new InvalidRequestException($"{tunable.Id} = '{change.Value}' for {change.Target}: {invalid} (allowed: {tunable.Range})");
            }

            changes.Add(new JournalChange(tunable.Id, change.Target, tunable.Read(change.Target), change.Value));
        }

        var busy = Journal.Read().Where(e => e.State == ActionState.Applied && owner.IsAlive(e.Owner))
            .SelectMany(e => e.Changes.Select(c => (c.Target.Key, e.Id, e.Owner.Pid)))
            .FirstOrDefault(b => changes.Any(c => c.Target.Key == b.Key));
        if (busy.Key is not null)
        {
            throw new ConflictException($"{busy.Key} is already being changed by action {busy.Id} (process {busy.Pid}): one action per target at a time");
        }

        return changes;
    }

    private void Reserve(List<string> targets)
    {
        lock (_busyTargets)
        {
            if (targets.FirstOrDefault(_busyTargets.Contains) is { } taken)
            {
                throw new ConflictException($"{taken} is already being changed by another action of this agent: one action per target at a time");
            }

            _busyTargets.UnionWith(targets);
        }
    }

    /// <summary>Writes back every value read before, then reads it again: the journal shows whether the restore was exact.</summary>
    private void Restore(JournalEntry entry, string who)
    {
        for (var i = 0; i < entry.Changes.Count; i++)
        {
            var change = entry.Changes[i];
            try
            {
                var tunable = Tunables.Get(change.Tunable);
                if (tunable.Availability(change.Target) is { } gone)
                {
                    Step(entry, who, $"cannot restore {change.Tunable} {change.Target}: {gone}");
                    continue;
                }

                tunable.Write(change.Target, change.Before);
                var now = tunable.Read(change.Target);
                entry.Changes[i] = change with { Restored = now };
                Step(entry, who, now == change.Before
                    ? $"restored {change.Tunable} {change.Target} to {now}"
                    : $"restored {change.Tunable} {change.Target}: wrote {change.Before}, reads {now}");
            }
            catch (Exception error) when (error is SystemScopeException or IOException or UnauthorizedAccessException)
            {
                Step(entry, who, $"cannot restore {change.Tunable} {change.Target}: {error.Message}");
            }
        }
    }

    private JournalEntry Finish(JournalEntry entry, ActionState state, Verdict verdict, string who, bool keepJudgedAt = false)
    {
        entry.State = state;
        entry.Verdict = verdict;
        if (!keepJudgedAt || entry.JudgedAt is null)
        {
            entry.JudgedAt = DateTimeOffset.UtcNow;
        }

        Step(entry, who, $"{Verdict.Name(verdict.Kind)}: {verdict.Reason}");
        Save(entry);
        return entry;
    }

    private void Save(JournalEntry entry) => Journal.Update(entries =>
    {
        var index = entries.FindIndex(e => e.Id == entry.Id);
        if (index >= 0)
        {
            entries[index] = entry;
        }
        else
        {
            entries.Add(entry);
        }

        return 0;
    });
}
