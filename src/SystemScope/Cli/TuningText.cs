using System.Globalization;
using System.Text.Json;
using SystemScope.Core.Tuning;

namespace SystemScope.Cli;

/// <summary>Findings, dry runs and journal entries as text for a terminal, or as JSON.</summary>
internal static class TuningText
{
    public static void Print(AdviceReport report, bool json)
    {
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(report, TuningJson.Default.AdviceReport));
            return;
        }

        Console.WriteLine(report.Findings.Count == 0
            ? $"no findings in {report.Seconds:0.#} s of evidence"
            : $"{report.Findings.Count} finding(s) in {report.Seconds:0.#} s of evidence:");
        foreach (var finding in report.Findings)
        {
            Console.WriteLine();
            Console.WriteLine($"{finding.Id}  [{finding.Layer.ToString().ToLowerInvariant()}]  {finding.Title}");
            foreach (var e in finding.Evidence)
            {
                var link = e.Link is { } l ? $"  → model {l.Model}{string.Concat(l.Query.Select(q => $" {q.Key}={q.Value}"))}" : string.Empty;
                var source = e.Source is { } s ? $"  ({s})" : string.Empty;
                Console.WriteLine($"    {e.Label}: {e.Value.ToString("0.##", CultureInfo.InvariantCulture)} {e.Unit}{link}{source}");
            }

            Console.WriteLine($"    expected: {finding.ExpectedEffect}");
            Console.WriteLine($"    risk:     {finding.Risk}");
            if (finding.Advice is { } advice)
            {
                Console.WriteLine($"    advice:   {advice}");
            }

            foreach (var action in finding.Actions)
            {
                Console.WriteLine($"    action {action.Id}: {action.Summary}  (judged by {action.Metric.Label})");
            }

            if (finding.Actions.Count > 0)
            {
                Console.WriteLine($"    apply:    systemscope tune apply {finding.Id} --dry-run   (then --allow-tuning to apply; --action NAME for another)");
            }
        }

        foreach (var note in report.Notes)
        {
            Console.WriteLine($"note ({note.Advisor}): {note.Text}");
        }
    }

    public static void Print(DryRun dryRun, bool json)
    {
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(dryRun, TuningJson.Default.DryRun));
            return;
        }

        Console.WriteLine($"dry run of {dryRun.FindingId} action {dryRun.ActionId}: nothing was changed. It would write:");
        foreach (var c in dryRun.Changes)
        {
            Console.WriteLine($"    {c.Tunable} for {c.Target}: {c.Before} → {c.After}");
        }

        Console.WriteLine($"and judge it by {dryRun.Metric.Label} ({dryRun.Metric.Unit}, {(dryRun.Metric.LowerIsBetter ? "lower" : "higher")} is better).");
    }

    public static void Print(JournalEntry entry, bool json)
    {
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new JournalDocument(1, [entry]), TuningJson.Default.JournalDocument));
            return;
        }

        var verdict = entry.Verdict is { } v ? $"{Verdict.Name(v.Kind)}: {v.Reason}" : "verdict pending";
        Console.WriteLine($"{entry.Id}  {entry.State.ToString().ToLowerInvariant()}  {entry.FindingId} / {entry.ActionId}  by {entry.Who}");
        foreach (var c in entry.Changes)
        {
            var restored = c.Restored is { } r ? $", restored {r}" : string.Empty;
            Console.WriteLine($"    {c.Tunable} for {c.Target}: {c.Before} → {c.After}{restored}");
        }

        Console.WriteLine($"    {verdict}");
        if (entry.Baseline.Count > 0 || entry.After.Count > 0)
        {
            Console.WriteLine($"    {entry.Metric.Label} per {entry.WindowSeconds:0.##} s window: before [{Join(entry.Baseline)}] after [{Join(entry.After)}]");
        }

        if (entry.SecondsToVerdict is { } seconds)
        {
            Console.WriteLine($"    from finding to verdict: {seconds:0.#} s");
        }
    }

    private static string Join(IEnumerable<double> values) => string.Join(", ", values.Select(v => v.ToString("0.#", CultureInfo.InvariantCulture)));
}
