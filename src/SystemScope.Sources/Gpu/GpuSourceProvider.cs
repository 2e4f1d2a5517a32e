using SystemScope.Bpf;
using SystemScope.Core.Events;
using SystemScope.Core.Options;
using SystemScope.Core.Sources;
using SystemScope.Sources.Kit;

namespace SystemScope.Sources.Gpu;

/// <summary>The gpu source: accelerator API calls (CUDA driver and runtime, HIP, Level Zero, OpenCL) by uprobes on the vendor libraries, with no restart and nothing injected.</summary>
public sealed class GpuSourceProvider : ISourceProvider
{
    public static readonly IntegerOption SlowUs = new(
        "slowUs", "Calls at least this long go to the thread timeline as spans, besides every synchronisation (0: synchronisations only)", 0, 3_600_000_000, 1_000, "µs");

    public static readonly BooleanOption Stacks = new(
        "stacks", "Walk the calling thread's user stack at each call (the merged CPU + GPU flame graph needs it)", true);

    internal static readonly SourceDescriptor SourceDescriptor = new(
        "gpu",
        "GPU API calls",
        Layer.Gpu,
        "Every call of the accelerator APIs (CUDA driver and runtime, HIP, Level Zero, OpenCL) with its thread, duration, bytes, stream, grid and block, kernel name and calling stack, by uprobes on the vendor libraries the processes map (found in /proc/PID/maps, also when loaded later); synchronisations on the timeline as \"waiting on GPU\". No restart, no injected library.")
    {
        Options = [SlowUs, Stacks, .. StackOptions.All],
        FeedsTimeline = true,
    };

    public SourceDescriptor Descriptor => SourceDescriptor;

    public void Validate(OptionValues options) => ArgumentNullException.ThrowIfNull(options);

    /// <summary>Loads the object with maps of its own (then closes it): uprobes need only the kernel's uprobe PMU beyond that.</summary>
    public SourceAvailability Probe()
    {
        try
        {
            using var obj = KitObject.Load(GpuSchema.Object, shared: null);
            return SourceAvailability.Yes([.. obj.Sections.Distinct()]);
        }
        catch (BpfException ex)
        {
            return SourceAvailability.No($"source gpu: {ex.Message}", ex.Detail);
        }
        catch (FileNotFoundException ex)
        {
            return SourceAvailability.No($"source gpu: {ex.Message}");
        }
        catch (DllNotFoundException ex)
        {
            return SourceAvailability.No($"source gpu: libbpf is not available: {ex.Message}");
        }
    }

    public ISource Create(SourceContext context) => new GpuSource(context);
}
