using SystemScope.Bpf;
using SystemScope.Core.Events;
using SystemScope.Core.Options;
using SystemScope.Core.Sources;
using SystemScope.Sources.Kit;

namespace SystemScope.Sources.Sched;

/// <summary>The scheduler source: run-queue latency, switches, run-queue length, and the thread timeline's stream.</summary>
public sealed class SchedSourceProvider : ISourceProvider
{
    public static readonly BooleanOption Timeline = new(
        "timeline", "Stream the observed threads' switches and wakeups for the thread timeline (capped per second)", true);

    public static readonly IntegerOption TimelineCap = new(
        "timelineCap", "At most this many switches and wakeups per second per CPU go to the timeline (the rest are counted)", 0, 1_000_000, 2_000, "per s per CPU");

    public static readonly BooleanOption PerCgroup = new(
        "perCgroup", "Keep a run-queue latency histogram per cgroup as well as per process", true);

    internal static readonly SourceDescriptor SourceDescriptor = new(
        "sched",
        "Scheduler",
        Layer.Scheduler,
        "Run-queue latency (wakeup or preemption → running) per process and per cgroup, voluntary and involuntary switches and migrations per thread, run-queue length per CPU, and the switch and wakeup stream of the thread timeline.")
    {
        Options = [Timeline, TimelineCap, PerCgroup],
    };

    public SourceDescriptor Descriptor => SourceDescriptor;

    public SourceAvailability Probe()
    {
        try
        {
            using var obj = KitObject.Load(SchedSchema.Object, shared: null);
            return SourceAvailability.Yes(obj.Variant?.Mechanism ?? "tracepoints", "sched_wakeup", "sched_waking", "sched_migrate_task");
        }
        catch (BpfException ex)
        {
            return SourceAvailability.No($"source sched: {ex.Message}", ex.Detail);
        }
        catch (FileNotFoundException ex)
        {
            return SourceAvailability.No($"source sched: {ex.Message}");
        }
        catch (DllNotFoundException ex)
        {
            return SourceAvailability.No($"source sched: libbpf is not available: {ex.Message}");
        }
    }

    public ISource Create(SourceContext context) => new SchedSource(context);
}
