namespace SystemScope.Core.Events.Accel;

/// <summary>
/// One NVIDIA GPU as NVML reports it at the header's time (header pid 0). A figure NVML did not give
/// (NOT_SUPPORTED on this board, MIG mode) is -1.
/// </summary>
/// <param name="Index">NVML's device index.</param>
/// <param name="Name">The board's name (<c>NVIDIA H100 80GB HBM3</c>).</param>
/// <param name="GpuUtilisationPercent">Share of the last sample period in which a kernel ran (nvmlDeviceGetUtilizationRates.gpu).</param>
/// <param name="MemoryUtilisationPercent">Share of that period in which device memory was read or written.</param>
/// <param name="PowerWatts">Power draw (nvmlDeviceGetPowerUsage, mW, here in W).</param>
/// <param name="TemperatureC">GPU die temperature.</param>
/// <param name="SmClockMhz">Current SM clock.</param>
/// <param name="MemoryClockMhz">Current memory clock.</param>
/// <param name="PcieRxBytesPerSecond">PCIe receive throughput (NVML's KB/s over 20 ms, here in bytes/s).</param>
/// <param name="PcieTxBytesPerSecond">PCIe transmit throughput.</param>
/// <param name="ClockEventReasons">Why the clocks are held down (nvmlClocksEventReasons bits); see <see cref="NvmlClockEventReasons"/>.</param>
public readonly record struct NvmlDeviceSample(
    int Index,
    string Name,
    int GpuUtilisationPercent,
    int MemoryUtilisationPercent,
    long MemoryUsedBytes,
    long MemoryTotalBytes,
    double PowerWatts,
    int TemperatureC,
    int SmClockMhz,
    int MemoryClockMhz,
    long PcieRxBytesPerSecond,
    long PcieTxBytesPerSecond,
    long ClockEventReasons)
{
    public static readonly EventKind Kind = EventKind.Register("accel.nvml.device", Layer.Gpu);
}

/// <summary>
/// One process on one NVIDIA GPU (header pid): its device memory (nvmlDeviceGetComputeRunningProcesses)
/// and its latest utilisation sample (nvmlDeviceGetProcessUtilization); -1 where NVML gave none.
/// </summary>
public readonly record struct NvmlProcessSample(
    int GpuIndex,
    string ProcessName,
    long UsedMemoryBytes,
    int SmUtilisationPercent,
    int MemoryUtilisationPercent,
    int EncoderUtilisationPercent,
    int DecoderUtilisationPercent)
{
    public static readonly EventKind Kind = EventKind.Register("accel.nvml.process", Layer.Gpu);
}

/// <summary>The bits of NVML's clocks event (throttle) reasons, named as nvml.h names them.</summary>
public static class NvmlClockEventReasons
{
    private static readonly (long Bit, string Name)[] Names =
    [
        (0x1, "GpuIdle"),
        (0x2, "ApplicationsClocksSetting"),
        (0x4, "SwPowerCap"),
        (0x8, "HwSlowdown"),
        (0x10, "SyncBoost"),
        (0x20, "SwThermalSlowdown"),
        (0x40, "HwThermalSlowdown"),
        (0x80, "HwPowerBrakeSlowdown"),
        (0x100, "DisplayClockSetting"),
    ];

    /// <summary><c>SwPowerCap,HwSlowdown</c>; <c>none</c> for 0; unknown bits as hex; empty when not known (-1).</summary>
    public static string Describe(long reasons)
    {
        if (reasons < 0)
        {
            return string.Empty;
        }

        if (reasons == 0)
        {
            return "none";
        }

        var names = Names.Where(n => (reasons & n.Bit) != 0).Select(n => n.Name).ToList();
        var unknown = reasons & ~Names.Aggregate(0L, (all, n) => all | n.Bit);
        if (unknown != 0)
        {
            names.Add($"0x{unknown:x}");
        }

        return string.Join(',', names);
    }
}

/// <summary>
/// What a part of the accel source could use on this machine and, when not, why (<c>nvml</c>:
/// "not available: libnvidia-ml.so.1 not found"). Published once at start, so that a recording says
/// plainly what it could not see.
/// </summary>
/// <param name="Component"><c>drm-fdinfo</c>, <c>nvml</c>, <c>dma_fence</c>, <c>gpu_scheduler</c>.</param>
public readonly record struct AccelStatus(string Component, bool Available, string Detail)
{
    public static readonly EventKind Kind = EventKind.Register("accel.status", Layer.Gpu);
}

/// <summary>
/// The <see cref="Activity.ActivitySpan"/> kind of a device job: a dma_fence from emit to signaled (or a
/// DRM scheduler job from run to done), category <c>accel</c>, its <c>Device</c> the driver's ring or
/// timeline, so the timeline shows a track per ring.
/// </summary>
public static class AccelJobSpan
{
    public static readonly EventKind Kind = EventKind.Register("accel.job", Layer.Gpu);
}
