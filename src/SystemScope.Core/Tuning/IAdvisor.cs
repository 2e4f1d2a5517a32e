using SystemScope.Core.Models;

namespace SystemScope.Core.Tuning;

/// <summary>What advisors and metrics read: the evidence session's live models and who the user asked about.</summary>
public sealed class AdvisorContext(Func<string, IModel?> model, int? focusPid, int agentPid)
{
    /// <summary>A live model of the evidence session by id (<c>sched.runqlat</c>), or null when its source is not running.</summary>
    public IModel? Model(string id) => model(id);

    /// <summary>The model as its concrete type, or null.</summary>
    public T? Model<T>(string id)
        where T : class, IModel => model(id) as T;

    /// <summary><c>advise --pid</c>: findings about other processes are still made (a hog next to the target matters) but must name it.</summary>
    public int? FocusPid { get; } = focusPid;

    public int AgentPid { get; } = agentPid;
}

/// <summary>
/// Reads evidence and emits findings. One instance per kind of problem, registered one line each in
/// the composition root. An advisor watches a window: <see cref="Begin"/> at its start, then ticks
/// (a few per second, for what only sampling shows, such as a listen queue's length), then the result.
/// </summary>
public interface IAdvisor
{
    string Id { get; }

    /// <summary>The sources whose models it reads (started in the evidence session when any advisor needs them).</summary>
    IReadOnlyList<string> Sources { get; }

    IAdvisorRun Begin(AdvisorContext context);

    /// <summary>The label, unit and minimum effect of a metric id this advisor samples (<c>runqlat-p99:PID</c>), or null when it is not its own.</summary>
    MetricSpec? Describe(string metricId);

    /// <summary>A sampler for a metric id this advisor put into one of its actions, or null when the id is not its own.</summary>
    ITargetMetric? Metric(string metricId, AdvisorContext context);
}

/// <summary>One advise window of one advisor.</summary>
public interface IAdvisorRun
{
    void Tick();

    AdviceResult Finish();
}

public sealed record AdviceResult(IReadOnlyList<Finding> Findings, IReadOnlyList<AdvisorNote> Notes)
{
    public static AdviceResult None { get; } = new([], []);

    public static AdviceResult Note(string advisor, string text) => new([], [new AdvisorNote(advisor, text)]);
}

/// <summary>
/// The number an action is judged by, sampled once per verification window: each call returns the value
/// over the time since the previous call (a rate, a window's p99). The first call only primes it.
/// </summary>
public interface ITargetMetric
{
    /// <summary>The value over the window just ended, or null when the window had too little data to say (no wakeups at all).</summary>
    double? Sample();
}
