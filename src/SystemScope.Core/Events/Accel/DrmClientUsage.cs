namespace SystemScope.Core.Events.Accel;

/// <summary>
/// One engine of a DRM client as its fdinfo says, cumulative since the client opened the device.
/// A counter the driver does not publish is -1.
/// </summary>
/// <param name="Name">The engine's name as the driver prints it (<c>gfx</c>, <c>render</c>, <c>rcs</c>, <c>gpu</c>, <c>fragment</c>).</param>
/// <param name="BusyNs"><c>drm-engine-NAME</c>: ns the engine was busy with this client's work.</param>
/// <param name="Capacity"><c>drm-engine-capacity-NAME</c>: identical engines behind the name (1 when absent).</param>
/// <param name="Cycles"><c>drm-cycles-NAME</c>: busy cycles.</param>
/// <param name="TotalCycles"><c>drm-total-cycles-NAME</c>: the GPU timestamp the cycles are measured against (xe).</param>
/// <param name="MaxFrequencyHz"><c>drm-maxfreq-NAME</c>, in Hz.</param>
public readonly record struct DrmEngineCounters(string Name, long BusyNs, int Capacity, long Cycles, long TotalCycles, long MaxFrequencyHz);

/// <summary>
/// One memory region of a DRM client (<c>vram</c>, <c>gtt</c>, <c>system0</c>, <c>memory</c> = system RAM),
/// in bytes; -1 where the driver does not publish that figure. <see cref="ResidentBytes"/> also takes the
/// deprecated <c>drm-memory-REGION</c>, its alias.
/// </summary>
public readonly record struct DrmRegionMemory(string Name, long TotalBytes, long SharedBytes, long ResidentBytes, long PurgeableBytes, long ActiveBytes)
{
    /// <summary>The figure to chart: resident when published, else total.</summary>
    public long Bytes => ResidentBytes >= 0 ? ResidentBytes : TotalBytes;
}

/// <summary>
/// A DRM client (one <c>struct drm_file</c>, however many fds and processes share it) as read from a
/// process's <c>/proc/PID/fdinfo/FD</c> at the header's time. The counters are cumulative: the analysis
/// turns two readings into busy shares. Duplicated fds of one client are read once.
/// </summary>
/// <param name="ProcessName">The process's name (comm) at the reading.</param>
/// <param name="Driver"><c>drm-driver</c>: <c>amdgpu</c>, <c>i915</c>, <c>xe</c>, <c>msm</c>, <c>panfrost</c>, <c>ivpu</c> …</param>
/// <param name="Device"><c>drm-pdev</c> (PCI slot) when published, else the device node (<c>/dev/dri/renderD128</c>).</param>
/// <param name="ClientId"><c>drm-client-id</c>; -1 when the driver does not publish one (then each fd counts as a client).</param>
/// <param name="Fds">How many of the process's fds lead to this client.</param>
public readonly record struct DrmClientUsage(
    string ProcessName,
    string Driver,
    string Device,
    long ClientId,
    int Fds,
    DrmEngineCounters[] Engines,
    DrmRegionMemory[] Regions)
{
    public static readonly EventKind Kind = EventKind.Register("accel.drm.client", Layer.Gpu);
}
