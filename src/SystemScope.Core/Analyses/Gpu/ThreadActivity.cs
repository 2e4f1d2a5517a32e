using SystemScope.Core.Events.Scheduler;

namespace SystemScope.Core.Analyses.Gpu;

/// <summary>What a thread did during an idle gap of its device, as far as the session's sources tell.</summary>
/// <param name="Doing">One line: <c>on CPU in prepare ← main</c>, <c>in clock_nanosleep</c>, <c>sleeping (S)</c>, or <c>unknown</c>.</param>
/// <param name="OnCpu">The function most CPU samples of the thread fell in during the gap (empty: none).</param>
/// <param name="Blocked">What it was blocked on the longest (a span's reason, a blocking stack, or a state); empty: nothing known.</param>
/// <param name="OnCpuNs">Time on a CPU when the scheduler was traced; null otherwise.</param>
/// <param name="OffCpuNs">Time off CPU (from the scheduler, else what blocked spans covered); null when nothing says.</param>
/// <param name="RunnableNs">Of the time off CPU, the time it waited for a CPU (from the scheduler; else null).</param>
/// <param name="Samples">CPU samples of the thread in the gap.</param>
public readonly record struct GapActivity(string Doing, string OnCpu, string Blocked, long? OnCpuNs, long? OffCpuNs, long? RunnableNs, long Samples)
{
    public const string Unknown = "unknown";
}

/// <summary>
/// Recent evidence of what threads did, kept for the threads of processes that use an accelerator:
/// CPU samples (with the function), spans they were in (slow syscalls, I/O), off-CPU blocks with their
/// stack, and scheduler states. Asked about a time range, it weighs them: the most specific evidence of
/// being blocked wins (a span over a blocking stack over a bare state).
/// </summary>
public sealed class ThreadActivity
{
    /// <summary>Items kept per thread and kind; the oldest go first.</summary>
    public const int MaxPerThread = 16_384;

    private readonly Dictionary<int, ThreadLog> _threads = [];

    public void Sample(int tid, long timeNs, string function) => Add(Log(tid).Samples, new Interval(timeNs, timeNs, function));

    public void Span(int tid, long startNs, long endNs, string reason) => Add(Log(tid).Spans, new Interval(startNs, endNs, reason));

    public void Block(int tid, long startNs, long endNs, string reason) => Add(Log(tid).Blocks, new Interval(startNs, endNs, reason));

    /// <summary>The scheduler switched the thread out (<paramref name="state"/>) or, with <see cref="SchedState.Running"/>, in.</summary>
    public void Switched(int tid, long timeNs, SchedState state)
    {
        var log = Log(tid);
        if (log.OpenState is { } open && timeNs > log.OpenSince)
        {
            Add(log.States, new Interval(log.OpenSince, timeNs, StateReason(open)));
        }

        log.OpenState = state;
        log.OpenSince = timeNs;
    }

    /// <summary>What <paramref name="tid"/> did in [<paramref name="startNs"/>, <paramref name="endNs"/>).</summary>
    public GapActivity Explain(int tid, long startNs, long endNs)
    {
        if (!_threads.TryGetValue(tid, out var log))
        {
            return new GapActivity(GapActivity.Unknown, string.Empty, string.Empty, null, null, null, 0);
        }

        var (onCpu, samples) = Top(log.Samples, startNs, endNs, countOnly: true);
        var states = new List<Interval>(log.States);
        if (log.OpenState is { } open && log.OpenSince < endNs)
        {
            states.Add(new Interval(log.OpenSince, endNs, StateReason(open)));
        }

        long? onCpuNs = null, offCpuNs = null, runnableNs = null;
        var schedKnown = states.Exists(s => s.End > startNs && s.Start < endNs);
        if (schedKnown)
        {
            long Sum(Func<Interval, bool> which) => states.Where(which).Sum(s => DeviceBusy.Overlap(s.Start, s.End, startNs, endNs));
            onCpuNs = Sum(s => s.Reason == RunningReason);
            runnableNs = Sum(s => s.Reason == RunnableReason);
            offCpuNs = Sum(s => s.Reason != RunningReason);
        }

        // The most specific evidence of waiting that covers some of the gap; waiting for a CPU only when nothing else.
        var (blocked, blockedNs) = Top(log.Spans, startNs, endNs, countOnly: false);
        if (blockedNs == 0)
        {
            (blocked, blockedNs) = Top(log.Blocks, startNs, endNs, countOnly: false);
        }

        if (blockedNs == 0)
        {
            (blocked, blockedNs) = Top(states.Where(s => s.Reason is not (RunningReason or RunnableReason)).ToList(), startNs, endNs, countOnly: false);
        }

        if (blockedNs == 0)
        {
            (blocked, blockedNs) = Top(states.Where(s => s.Reason == RunnableReason).ToList(), startNs, endNs, countOnly: false);
        }

        offCpuNs ??= blockedNs > 0 ? blockedNs : null;

        // A thread that was runnable wanted to run: it counts with its CPU time against the time it waited for something else.
        var mostlyWaiting = schedKnown
            ? offCpuNs - runnableNs > onCpuNs + runnableNs
            : blockedNs * 2 >= endNs - startNs || (samples == 0 && blockedNs > 0);
        var doing = mostlyWaiting && blocked.Length > 0 ? blocked
            : onCpu.Length > 0 ? "on CPU in " + onCpu
            : schedKnown && onCpuNs > 0 ? "on CPU"
            : blocked.Length > 0 ? blocked
            : GapActivity.Unknown;
        return new GapActivity(doing, onCpu, blocked, onCpuNs, offCpuNs, runnableNs, samples);
    }

    /// <summary>Drops what ended before <paramref name="beforeNs"/>: no gap still to explain reaches back that far.</summary>
    public void Forget(long beforeNs)
    {
        foreach (var log in _threads.Values)
        {
            log.Samples.RemoveAll(i => i.End < beforeNs);
            log.Spans.RemoveAll(i => i.End < beforeNs);
            log.Blocks.RemoveAll(i => i.End < beforeNs);
            log.States.RemoveAll(i => i.End < beforeNs);
        }
    }

    public void Exited(int tid) => _threads.Remove(tid);

    public void Reset() => _threads.Clear();

    private const string RunningReason = "running";
    private const string RunnableReason = "runnable (waiting for a CPU)";

    private static string StateReason(SchedState state) => state switch
    {
        SchedState.Running => RunningReason,
        SchedState.Sleeping => "sleeping (S)",
        SchedState.Blocked => "blocked (D)",
        SchedState.Runnable => RunnableReason,
        _ => "off CPU (other)",
    };

    /// <summary>The reason with the most overlap (or, for instants, the most items) in the range, and that amount.</summary>
    private static (string Reason, long Amount) Top(List<Interval> items, long startNs, long endNs, bool countOnly)
    {
        var byReason = new Dictionary<string, long>(StringComparer.Ordinal);
        long total = 0;
        foreach (var item in items)
        {
            var amount = countOnly
                ? (item.Start >= startNs && item.Start < endNs ? 1 : 0)
                : DeviceBusy.Overlap(item.Start, item.End, startNs, endNs);
            if (amount > 0)
            {
                byReason[item.Reason] = byReason.GetValueOrDefault(item.Reason) + amount;
                total += amount;
            }
        }

        var top = byReason.OrderByDescending(r => r.Value).ThenBy(r => r.Key, StringComparer.Ordinal).FirstOrDefault();
        return (top.Key ?? string.Empty, total);
    }

    private static void Add(List<Interval> list, Interval item)
    {
        if (list.Count >= MaxPerThread)
        {
            list.RemoveRange(0, MaxPerThread / 4);
        }

        list.Add(item);
    }

    private ThreadLog Log(int tid)
    {
        if (!_threads.TryGetValue(tid, out var log))
        {
            _threads[tid] = log = new ThreadLog();
        }

        return log;
    }

    private readonly record struct Interval(long Start, long End, string Reason);

    private sealed class ThreadLog
    {
        public List<Interval> Samples { get; } = [];

        public List<Interval> Spans { get; } = [];

        public List<Interval> Blocks { get; } = [];

        public List<Interval> States { get; } = [];

        public SchedState? OpenState { get; set; }

        public long OpenSince { get; set; }
    }
}
