using SystemScope.Core.Errors;

namespace SystemScope.Core.Sessions;

/// <summary>What a user asks to see: which sources, which processes, how often to sample.</summary>
public sealed record SessionSpec
{
    public const int MinFrequencyHz = 1;
    public const int MaxFrequencyHz = 10_000;
    public const int DefaultFrequencyHz = 99;

    public static readonly TimeSpan MinWindow = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan MaxWindow = TimeSpan.FromSeconds(60);

    public IReadOnlyList<string> Sources { get; init; } = ["cpu"];

    public ProcessTarget Target { get; init; } = ProcessTarget.AllProcesses;

    /// <summary>Sampling frequency per CPU for sampling sources.</summary>
    public int FrequencyHz { get; init; } = DefaultFrequencyHz;

    /// <summary>How often aggregated data is collected from the kernel and models are updated.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Observe the agent's own threads too (off by default: its wakeups are not the user's workload).</summary>
    public bool IncludeAgent { get; init; }

    /// <summary>Throws <see cref="InvalidRequestException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (FrequencyHz is < MinFrequencyHz or > MaxFrequencyHz)
        {
            throw new InvalidRequestException(
                $"frequency {FrequencyHz} Hz is out of range: use {MinFrequencyHz} to {MaxFrequencyHz} Hz (default {DefaultFrequencyHz})");
        }

        if (Window < MinWindow || Window > MaxWindow)
        {
            throw new InvalidRequestException(
                $"window {Window.TotalMilliseconds} ms is out of range: use {MinWindow.TotalMilliseconds} ms to {MaxWindow.TotalSeconds} s");
        }

        if (Sources.Count == 0)
        {
            throw new InvalidRequestException("no source given: name at least one (for example \"cpu\")");
        }

        var duplicate = Sources.GroupBy(s => s, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidRequestException($"source '{duplicate.Key}' is named twice");
        }
    }
}
