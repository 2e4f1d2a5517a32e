using SystemScope.Bpf;
using SystemScope.Core.Events;
using SystemScope.Core.Options;
using SystemScope.Core.Sources;
using SystemScope.Sources.Kit;

namespace SystemScope.Sources.Cpu;

/// <summary>The on-CPU sampling source: descriptor, probe, and a <see cref="CpuSource"/> per session.</summary>
public sealed class CpuSourceProvider : ISourceProvider
{
    /// <summary>Samples per second on each CPU.</summary>
    public static readonly IntegerOption Frequency = new(
        "frequency", "Samples per second on each CPU (odd values avoid lock-step with timers)", 1, 10_000, 99, "Hz");

    public static readonly BooleanOption Timeline = new(
        "timeline", "Also stream samples one by one, as ticks on the thread timeline (capped per second)", true);

    public static readonly IntegerOption TimelineCap = new(
        "timelineCap", "At most this many samples per second per CPU go to the timeline (the rest are counted)", 0, 100_000, 1000, "per s per CPU");

    internal static readonly SourceDescriptor SourceDescriptor = new(
        "cpu",
        "On-CPU sampling",
        Layer.Cpu,
        "Samples every CPU with the cpu-clock perf event, with user and kernel stacks, counted in the kernel and collected once per window.")
    {
        Options = [Frequency, Timeline, TimelineCap, .. StackOptions.All],
    };

    private readonly CpuSourceOptions _options;

    public CpuSourceProvider()
        : this(CpuSourceOptions.Default)
    {
    }

    internal CpuSourceProvider(CpuSourceOptions options) => _options = options;

    public SourceDescriptor Descriptor => SourceDescriptor;

    /// <summary>Loads the object (with maps of its own, then closes it) and opens one cpu-clock event.</summary>
    public SourceAvailability Probe()
    {
        try
        {
            using var obj = KitObject.Load(CpuProfileSchema.Object, shared: null, setup =>
            {
                foreach (var map in new[] { CpuProfileSchema.Counts0, CpuProfileSchema.Counts1 })
                {
                    setup.SetMaxEntries(map, 1024);
                }
            });
            var cpu = Cpus.Online() is [var first, ..] ? first : 0;
            using var perf = PerfEventHandle.OpenCpuClock(cpu, (int)Frequency.Default);
            return SourceAvailability.Yes(CpuSource.SampleMechanism);
        }
        catch (BpfException ex)
        {
            return SourceAvailability.No($"source cpu: {ex.Message}", ex.Detail);
        }
        catch (FileNotFoundException ex)
        {
            return SourceAvailability.No($"source cpu: {ex.Message}");
        }
        catch (DllNotFoundException ex)
        {
            return SourceAvailability.No($"source cpu: libbpf is not available: {ex.Message}");
        }
    }

    public ISource Create(SourceContext context) => new CpuSource(context, _options);
}
