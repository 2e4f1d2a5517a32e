using SystemScope.Core.Errors;

namespace SystemScope.Core.Sessions;

/// <summary>Who keeps a session running.</summary>
public enum LeaseKind : byte
{
    /// <summary>Its viewers: when none has been connected (a live stream) or asked about it for the grace period, it stops.</summary>
    Viewed,

    /// <summary>Nobody: it runs in the background until <see cref="SessionLease.Duration"/> has passed (if set) or it is stopped.</summary>
    Detached,

    /// <summary>The process that started it (the command line): it stops when that process says so.</summary>
    Owned,
}

/// <summary>
/// A session's lease, so that nothing stays attached when nobody looks: a browser tab closed
/// without pressing Stop lets its session end after <see cref="Grace"/>. A detached session must be
/// stopped explicitly or ends after its stated duration. Any session ends after its duration, if set.
/// </summary>
public sealed record SessionLease(LeaseKind Kind, TimeSpan Grace, TimeSpan? Duration = null)
{
    public static readonly TimeSpan DefaultGrace = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MinGrace = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxGrace = TimeSpan.FromHours(1);
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(7);

    public static SessionLease Viewed { get; } = new(LeaseKind.Viewed, DefaultGrace);

    public static SessionLease Owned { get; } = new(LeaseKind.Owned, DefaultGrace);

    public static SessionLease Detached(TimeSpan? duration = null) => new(LeaseKind.Detached, DefaultGrace, duration);

    public void Validate()
    {
        if (Grace < MinGrace || Grace > MaxGrace)
        {
            throw new InvalidRequestException($"grace period {Grace.TotalSeconds:0.###} s is out of range: use {MinGrace.TotalSeconds} s to {MaxGrace.TotalMinutes} min");
        }

        if (Duration is { } duration && (duration <= TimeSpan.Zero || duration > MaxDuration))
        {
            throw new InvalidRequestException($"duration {duration.TotalSeconds:0.###} s is out of range: give seconds above 0 and at most {MaxDuration.TotalDays} days");
        }
    }
}
