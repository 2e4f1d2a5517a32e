using SystemScope.Bpf;
using SystemScope.Core.Errors;
using SystemScope.Core.Events;
using SystemScope.Core.Options;
using SystemScope.Core.Sources;
using SystemScope.Sources.Kit;

namespace SystemScope.Sources.Memory;

/// <summary>The memory source: page faults by stack, process memory over time, pressure, reclaim and compaction stalls, OOM kills.</summary>
public sealed class MemorySourceProvider : ISourceProvider
{
    public static readonly BooleanOption MajorSpans = new(
        "majorSpans", "Stream major faults one by one to the thread timeline (capped per second, with the stalls)", true);

    public static readonly IntegerOption SpanCap = new(
        "spanCap", "At most this many major faults and stalls per second per CPU go to the timeline (the rest are counted)", 0, 100_000, 1_000, "per s per CPU");

    public static readonly IntegerOption TopProcesses = new(
        "topProcesses", "The largest processes by resident set whose memory is sampled each window (processes that faulted are sampled too)", 1, 1_000, 10, "processes");

    public static readonly IntegerOption PressureCgroups = new(
        "pressureCgroups", "Cgroups whose memory pressure (PSI) is read: the filter's cgroup, else those of the largest processes (0: the system's only)", 0, 64, 8, "cgroups");

    public static readonly IntegerOption FaultPeriod = new(
        "faultPeriod", "Run the fault program every this many faults and count it that many times (1: every fault, exact)", 1, 1_000_000, 1, "faults");

    internal static readonly SourceDescriptor SourceDescriptor = new(
        "memory",
        "Memory",
        Layer.Memory,
        "Page faults (minor and major) by stack from the kernel's page-fault perf events, counted in the kernel; resident set per process over time; memory pressure (PSI) of the system and of cgroups; direct reclaim, cgroup reclaim and compaction stalls per thread; OOM kills with the cgroup limit that was reached.")
    {
        Options = [MajorSpans, SpanCap, TopProcesses, PressureCgroups, FaultPeriod],
        FeedsTimeline = true,
    };

    public SourceDescriptor Descriptor => SourceDescriptor;

    public void Validate(OptionValues options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Get(MajorSpans) && options.Given.Contains(MajorSpans.Name) && options.Get(SpanCap) == 0)
        {
            throw new InvalidRequestException("source memory: majorSpans is on but spanCap is 0, so no major fault would reach the timeline: give spanCap of 1 or more, or majorSpans false");
        }
    }

    /// <summary>Loads the object (with maps of its own, then closes it) and opens one minor-fault event.</summary>
    public SourceAvailability Probe()
    {
        try
        {
            using var obj = KitObject.Load(MemorySchema.Object, shared: null);
            var cpu = Cpus.Online() is [var first, ..] ? first : 0;
            using var perf = PerfEventHandle.OpenPageFaults(cpu, major: false);
            return SourceAvailability.Yes(MemorySource.FaultMechanism, obj.Variant?.Mechanism ?? "tracepoints", "oom:mark_victim", "/proc/pressure/memory");
        }
        catch (BpfException ex)
        {
            return SourceAvailability.No($"source memory: {ex.Message}", ex.Detail);
        }
        catch (FileNotFoundException ex)
        {
            return SourceAvailability.No($"source memory: {ex.Message}");
        }
        catch (DllNotFoundException ex)
        {
            return SourceAvailability.No($"source memory: libbpf is not available: {ex.Message}");
        }
    }

    public ISource Create(SourceContext context) => new MemorySource(context);
}
