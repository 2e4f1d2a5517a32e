using SystemScope.Core.Events;
using SystemScope.Core.Events.Cpu;
using SystemScope.Core.Events.Process;

namespace SystemScope.Kernel.Tests.Infrastructure;

/// <summary>
/// Records what a source publishes, in arrival order across both payload types (a shared sequence
/// number), so tests can check ordering as well as content, and wait for conditions.
/// </summary>
public sealed class EventRecorder : IEventSink<CpuStackSample>, IEventSink<ProcessLifecycle>
{
    /// <summary>How long a test waits for something the workload must cause: a safety net, never a measurement.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private readonly object _gate = new();
    private readonly List<(long Seq, Event<CpuStackSample> Event)> _samples = [];
    private readonly List<(long Seq, Event<ProcessLifecycle> Event)> _lifecycle = [];
    private readonly List<(long Seq, long WindowStartNs, long Count)> _batches = [];
    private long _seq;

    public IReadOnlyList<(long Seq, Event<CpuStackSample> Event)> Samples
    {
        get
        {
            lock (_gate)
            {
                return [.. _samples];
            }
        }
    }

    public IReadOnlyList<(long Seq, Event<ProcessLifecycle> Event)> Lifecycle
    {
        get
        {
            lock (_gate)
            {
                return [.. _lifecycle];
            }
        }
    }

    /// <summary>Sample batches: one per window, with the window start and the samples in it.</summary>
    public IReadOnlyList<(long Seq, long WindowStartNs, long Count)> Batches
    {
        get
        {
            lock (_gate)
            {
                return [.. _batches];
            }
        }
    }

    public void Attach(EventBus bus)
    {
        bus.Subscribe<CpuStackSample>(this);
        bus.Subscribe<ProcessLifecycle>(this);
    }

    /// <summary>The lifecycle events of one process (header pid), in arrival order.</summary>
    public IReadOnlyList<Event<ProcessLifecycle>> LifecycleOf(int pid) =>
        [.. Lifecycle.Where(e => e.Event.Header.Pid == pid).Select(e => e.Event)];

    public void OnEvents(ReadOnlySpan<Event<CpuStackSample>> events)
    {
        lock (_gate)
        {
            long count = 0;
            foreach (var e in events)
            {
                _samples.Add((++_seq, e));
                count += e.Payload.Count;
            }

            _batches.Add((_seq, events[0].Header.TimestampNs, count));
            Monitor.PulseAll(_gate);
        }
    }

    public void OnEvents(ReadOnlySpan<Event<ProcessLifecycle>> events)
    {
        lock (_gate)
        {
            foreach (var e in events)
            {
                _lifecycle.Add((++_seq, e));
            }

            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Sum of sample counts of one process (or all), optionally only in windows starting at or after a time.</summary>
    public long SampleCount(int? pid = null, long fromNs = long.MinValue)
    {
        lock (_gate)
        {
            long total = 0;
            foreach (var (_, e) in _samples)
            {
                if ((pid is null || e.Header.Pid == pid) && e.Header.TimestampNs >= fromNs)
                {
                    total += e.Payload.Count;
                }
            }

            return total;
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds; fails the test with <paramref name="what"/> after <see cref="Patience"/>.</summary>
    public void WaitUntil(Func<EventRecorder, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        lock (_gate)
        {
            while (!condition(this))
            {
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                {
                    Assert.Fail($"gave up waiting ({Patience}) for {what}: {_samples.Count} sample events, {_lifecycle.Count} lifecycle events, {_batches.Count} windows");
                }

                // Woken by every batch; also re-checks each second for conditions on the source's own counters.
                Monitor.Wait(_gate, left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1));
            }
        }
    }

    /// <summary>Waits until <paramref name="windows"/> more sample windows have been published.</summary>
    public void WaitForWindows(int windows, Func<int> publishedWindows)
    {
        var target = publishedWindows() + windows;
        WaitUntil(_ => publishedWindows() >= target, $"{windows} more windows");
    }
}
