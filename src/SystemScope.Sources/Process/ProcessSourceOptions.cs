namespace SystemScope.Sources.Process;

/// <summary>Settings of the process source that are not part of a session request; tests change them.</summary>
internal sealed record ProcessSourceOptions
{
    /// <summary>How long the reader waits for a wakeup before it reads anyway (records come with batched wakeups).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Forces the raw_tp programs (otherwise used only where tp_btf does not load).</summary>
    public bool ForceRawTracepoints { get; init; }

    public static ProcessSourceOptions Default { get; } = new();
}
