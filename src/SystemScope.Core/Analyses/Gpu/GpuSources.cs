using SystemScope.Core.Events.Gpu;

namespace SystemScope.Core.Analyses.Gpu;

/// <summary>What the GPU analyses read from the API stream, in one place.</summary>
public static class GpuSources
{
    /// <summary>The source that publishes <see cref="GpuApiCall"/>s.</summary>
    public const string SourceId = GpuApiAnalysis.SourceId;

    /// <summary>The category of the <c>gpu</c> source's own timeline spans (its waits are not what a thread did "meanwhile").</summary>
    public const string SpanCategory = "gpu";

    /// <summary>Whether the call hands the device work (a kernel, a graph, a command list, a copy).</summary>
    public static bool Submits(in GpuApiCall call) => call.Class is
        GpuCallClass.Launch or GpuCallClass.Submit or
        GpuCallClass.CopyHostToDevice or GpuCallClass.CopyDeviceToHost or GpuCallClass.CopyDeviceToDevice or GpuCallClass.Copy;

    /// <summary>
    /// Whether the host thread waits in the call until the device has finished: synchronisations, and
    /// copies that are not asynchronous (<c>cuMemcpyHtoD</c>, <c>cudaMemcpy</c>: they return when the copy
    /// is done, after the work queued before them). Enqueued copies (<c>…Async</c>, OpenCL's
    /// <c>clEnqueue…</c>, Level Zero's <c>zeCommandListAppend…</c>) return at once: whether an OpenCL
    /// read blocks is an argument the call does not carry, so it counts as enqueued.
    /// </summary>
    public static bool Waits(in GpuApiCall call) => call.Class switch
    {
        GpuCallClass.Synchronize => true,
        GpuCallClass.CopyHostToDevice or GpuCallClass.CopyDeviceToHost or GpuCallClass.CopyDeviceToDevice or GpuCallClass.Copy =>
            !call.Function.Contains("Async", StringComparison.Ordinal) &&
            !call.Function.StartsWith("clEnqueue", StringComparison.Ordinal) &&
            !call.Function.StartsWith("zeCommandList", StringComparison.Ordinal),
        _ => false,
    };

    /// <summary>
    /// Whether a wait covers every stream of the process: context and device synchronisations, event and
    /// fence waits (the event's stream is not in the call), and synchronous copies, which the legacy
    /// default stream orders after all earlier work. A stream synchronisation names its stream.
    /// </summary>
    public static bool WaitsForAll(in GpuApiCall call) => call.Class != GpuCallClass.Synchronize || call.Stream == 0 ||
        !call.Function.Contains("Stream", StringComparison.Ordinal);
}
