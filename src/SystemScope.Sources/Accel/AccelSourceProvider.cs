using SystemScope.Core.Events;
using SystemScope.Core.Options;
using SystemScope.Core.Sources;

namespace SystemScope.Sources.Accel;

/// <summary>
/// The accel source: device activity whatever the vendor (DRM client usage stats from fdinfo, dma_fence
/// and DRM scheduler jobs where the kernel has them) and NVIDIA's device metrics through NVML when
/// the library is there. Each part that cannot run here is reported as such, never as an error.
/// </summary>
public sealed class AccelSourceProvider : ISourceProvider
{
    public static readonly IntegerOption Interval = new(
        "interval", "Read DRM usage stats and NVML every this many milliseconds", 100, 60_000, 1_000, "ms");

    public static readonly BooleanOption Drm = new(
        "drm", "Read per-process, per-engine busy time and device memory from the DRM client usage stats in /proc/PID/fdinfo", true);

    public static readonly BooleanOption Nvml = new(
        "nvml", "Read NVIDIA GPU metrics through NVML (libnvidia-ml.so.1, loaded at run time) when it is installed", true);

    public static readonly BooleanOption Fences = new(
        "fences", "Trace device jobs as spans on a track per ring: dma_fence emit to signaled, and the DRM scheduler's run to done where its tracepoints exist", true);

    internal static readonly SourceDescriptor SourceDescriptor = new(
        "accel",
        "Accelerators",
        Layer.Gpu,
        "Device activity, vendor-neutral: per-process, per-engine busy time and device memory from the DRM client usage stats (amdgpu, i915, xe, msm, panfrost, v3d, ivpu, amdxdna), device jobs from dma_fence and DRM scheduler tracepoints; NVIDIA GPU utilisation, memory, power, temperature, clocks, PCIe throughput, throttle reasons and per-process memory through NVML.")
    {
        Options = [Interval, Drm, Nvml, Fences],
        FeedsTimeline = true,
    };

    public SourceDescriptor Descriptor => SourceDescriptor;

    /// <summary>Always available: each part says for itself whether it found anything (accel.status).</summary>
    public SourceAvailability Probe()
    {
        var mechanisms = new List<string> { "/proc/PID/fdinfo (DRM client usage stats)" };
        using (var nvml = NvmlLibrary.TryOpen(out var why))
        {
            mechanisms.Add(nvml is null ? $"NVML {why}" : $"NVML ({NvmlLibrary.FileName})");
        }

        mechanisms.AddRange(FenceTracer.Describe(FenceTracer.AvailableTracepoints()));
        return SourceAvailability.Yes(mechanisms);
    }

    public ISource Create(SourceContext context) => new AccelSource(context, "/proc");
}
