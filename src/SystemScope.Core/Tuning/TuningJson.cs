using System.Text.Json.Serialization;

namespace SystemScope.Core.Tuning;

/// <summary>The journal file's document.</summary>
public sealed record JournalDocument(int Version, List<JournalEntry> Actions);

/// <summary>Source-generated JSON for the journal and the findings (no reflection: NativeAOT).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    WriteIndented = true,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(JournalDocument))]
[JsonSerializable(typeof(List<Finding>))]
[JsonSerializable(typeof(AdviceReport))]
[JsonSerializable(typeof(DryRun))]
public sealed partial class TuningJson : JsonSerializerContext;

/// <summary>What <c>advise</c> prints as JSON and the API returns.</summary>
public sealed record AdviceReport(double Seconds, IReadOnlyList<Finding> Findings, IReadOnlyList<AdvisorNote> Notes);

/// <summary>The exact changes an action would make, without making them.</summary>
public sealed record DryRun(string FindingId, string ActionId, IReadOnlyList<JournalChange> Changes, MetricSpec Metric);
