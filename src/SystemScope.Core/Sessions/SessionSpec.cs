using System.Text.Json;
using SystemScope.Core.Errors;

namespace SystemScope.Core.Sessions;

/// <summary>One source a session asks for, with its options as given (validated by the source's provider at start).</summary>
public sealed record SourceRequest(string Id, JsonElement? Options = null)
{
    /// <summary>Options given as text by name (the command line); used instead of <see cref="Options"/> when set.</summary>
    public IReadOnlyDictionary<string, string>? TextOptions { get; init; }

    public static SourceRequest Named(string id) => new(id);
}

/// <summary>What a user asks to see: which sources with which options, which processes, how history is kept, how long it lives.</summary>
public sealed record SessionSpec
{
    public const long DefaultMemoryBudgetBytes = 64L << 20;
    public const long MinMemoryBudgetBytes = 4L << 20;
    public const long MaxMemoryBudgetBytes = 4L << 30;

    public static readonly TimeSpan MinWindow = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan MaxWindow = TimeSpan.FromSeconds(60);

    public IReadOnlyList<SourceRequest> Sources { get; init; } = [SourceRequest.Named("cpu")];

    public ProcessFilter Filter { get; init; } = ProcessFilter.All;

    /// <summary>How often aggregated data is collected from the kernel and models are updated; also the time resolution of history.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Observe the agent's own threads too (off by default: its wakeups are not the user's workload).</summary>
    public bool IncludeAgent { get; init; }

    /// <summary>Memory the session's models may keep for history (oldest windows are dropped first, and counted).</summary>
    public long MemoryBudgetBytes { get; init; } = DefaultMemoryBudgetBytes;

    /// <summary>Who keeps the session alive: its viewers (the default), or nobody until a deadline or an explicit stop.</summary>
    public SessionLease Lease { get; init; } = SessionLease.Viewed;

    /// <summary>Throws <see cref="InvalidRequestException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (Window < MinWindow || Window > MaxWindow)
        {
            throw new InvalidRequestException(
                $"window {Window.TotalSeconds:0.###} s is out of range: use {MinWindow.TotalSeconds} to {MaxWindow.TotalSeconds} s");
        }

        if (Sources.Count == 0)
        {
            throw new InvalidRequestException("no source given: name at least one (for example \"cpu\")");
        }

        var duplicate = Sources.GroupBy(s => s.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidRequestException($"source '{duplicate.Key}' is named twice");
        }

        if (MemoryBudgetBytes < MinMemoryBudgetBytes || MemoryBudgetBytes > MaxMemoryBudgetBytes)
        {
            throw new InvalidRequestException(
                $"memory budget {MemoryBudgetBytes >> 20} MiB is out of range: use {MinMemoryBudgetBytes >> 20} to {MaxMemoryBudgetBytes >> 20} MiB (default {DefaultMemoryBudgetBytes >> 20})");
        }

        Filter.Validate();
        Lease.Validate();
    }
}
