using SystemScope.Bpf;
using SystemScope.Core.Errors;
using SystemScope.Core.Events;
using SystemScope.Core.Options;
using SystemScope.Core.Sources;
using SystemScope.Sources.Kit;

namespace SystemScope.Sources.OffCpu;

/// <summary>The off-CPU source: where threads wait and who wakes them. Descriptor, options, probe, and a source per session.</summary>
public sealed class OffCpuSourceProvider : ISourceProvider
{
    public static readonly IntegerOption MinBlockUs = new(
        "minBlockUs", "Blocks shorter than this are not counted (they still cost a stack walk at switch-out)", 1, 60_000_000, 1, "µs");

    public static readonly ChoicesOption States = new(
        "states", "Which blocked states to record: S (sleeping, interruptible), D (uninterruptible, usually I/O), other (stopped, traced, idle kernel waits)",
        ["S", "D", "other"], ["S", "D"]);

    public static readonly BooleanOption WakerStacks = new(
        "wakerStacks", "Walk the waker's stack at the wakeup (as offwaketime) for blocks at least timelineMinUs long; the waker's name and thread are always kept", true);

    public static readonly IntegerOption StackReuse = new(
        "stackReuse",
        "A thread that blocks again at the place of its last stack walk (same syscall and first argument, user instruction, stack and frame pointers, the two return addresses they lead to, and state) reuses that walk's stacks, about this many times between two walks, which check them (0: walk at every block; counters stacks.reused and stacks.reuse_differed say how often and how well)",
        0, 1000, 15, "blocks");

    public static readonly IntegerOption TimelineMinUs = new(
        "timelineMinUs", "Blocks at least this long go to the thread timeline one by one, with their stacks and waker", 1, 60_000_000, 1000, "µs");

    public static readonly IntegerOption TimelineCap = new(
        "timelineCap", "At most this many blocks per second per CPU go to the timeline (the rest are counted)", 0, 1_000_000, 2000, "per s per CPU");

    internal static readonly SourceDescriptor SourceDescriptor = new(
        "offcpu",
        "Off-CPU time",
        Layer.Scheduler,
        "Time threads spend blocked, by the kernel and user stack they blocked in and by state, with who woke them and the waker's stack; aggregated in the kernel from sched_switch and sched_waking.")
    {
        Options = [MinBlockUs, States, WakerStacks, StackReuse, TimelineMinUs, TimelineCap, .. StackOptions.All],
    };

    public SourceDescriptor Descriptor => SourceDescriptor;

    public void Validate(OptionValues options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Get(TimelineMinUs) < options.Get(MinBlockUs))
        {
            throw new InvalidRequestException(
                $"source offcpu: timelineMinUs {options.Get(TimelineMinUs)} is below minBlockUs {options.Get(MinBlockUs)}: blocks too short to be counted cannot go to the timeline");
        }
    }

    /// <summary>Loads the object with maps of its own (then closes it), reporting which attach mechanism loaded.</summary>
    public SourceAvailability Probe()
    {
        try
        {
            using var obj = KitObject.Load(OffCpuSchema.Object, shared: null);
            return SourceAvailability.Yes(obj.Variant?.Mechanism ?? "tracepoints", "sched_waking", "unwind: frame pointers");
        }
        catch (BpfException ex)
        {
            return SourceAvailability.No($"source offcpu: {ex.Message}", ex.Detail);
        }
        catch (FileNotFoundException ex)
        {
            return SourceAvailability.No($"source offcpu: {ex.Message}");
        }
        catch (DllNotFoundException ex)
        {
            return SourceAvailability.No($"source offcpu: libbpf is not available: {ex.Message}");
        }
    }

    public ISource Create(SourceContext context) => new OffCpuSource(context);
}
