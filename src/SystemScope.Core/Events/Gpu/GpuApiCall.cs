using SystemScope.Core.Events.Activity;

namespace SystemScope.Core.Events.Gpu;

/// <summary>What an accelerator API call does, whatever the vendor: the analyses group and weigh by it.</summary>
public enum GpuCallClass : byte
{
    /// <summary>Any other traced call (module loads, function lookups).</summary>
    Other,

    /// <summary>A kernel launch (<c>cuLaunchKernel</c>, <c>cudaLaunchKernel</c>, <c>hipLaunchKernel</c>, <c>clEnqueueNDRangeKernel</c>, …).</summary>
    Launch,

    /// <summary>A graph or command-list submission that runs several kernels (<c>cuGraphLaunch</c>, <c>zeCommandQueueExecuteCommandLists</c>).</summary>
    Submit,

    CopyHostToDevice,
    CopyDeviceToHost,
    CopyDeviceToDevice,

    /// <summary>A copy whose direction the arguments do not say (<c>cudaMemcpyDefault</c>, unified addressing).</summary>
    Copy,

    Alloc,
    Free,

    /// <summary>The host thread waits for the device (<c>cuStreamSynchronize</c>, <c>clFinish</c>, <c>zeFenceHostSynchronize</c>, …).</summary>
    Synchronize,
}

/// <summary>
/// One call of an accelerator API by a host thread, traced at the vendor library's entry and return
/// (the header gives pid, tid, the start and the duration). The <c>gpu</c> source publishes one per
/// call; it also publishes the calls worth a place on the timeline (synchronisations, slow calls) as
/// <see cref="ActivitySpan"/>s of category <c>gpu</c>, so the timeline and "where did the time go"
/// show "waiting on GPU" without knowing this type.
/// </summary>
/// <param name="Vendor">The API family: <c>cuda</c> (driver API), <c>cudart</c>, <c>hip</c>, <c>levelzero</c>, <c>opencl</c>.</param>
/// <param name="Function">The function called, as exported: <c>cuLaunchKernel</c>.</param>
/// <param name="Class">What the call does.</param>
/// <param name="KernelName">For launches, the kernel's name where the source resolved it (from <c>cuModuleGetFunction</c>); else empty.</param>
/// <param name="KernelAddress">
/// For launches whose kernel is named by a host address (the runtime API's host stub, <c>cudaLaunchKernel</c>'s
/// first argument), that address, to be named by the symboliser; else 0.
/// </param>
/// <param name="Bytes">Bytes copied or allocated; 0 for other calls (a free's size is not in its arguments).</param>
/// <param name="DevicePointer">The device address an allocation returned or a free released; else 0.</param>
/// <param name="Stream">The stream, queue or command list the call names; 0 for the default or none.</param>
/// <param name="Grid">Launches: the grid dimensions (x, y, z); zeros otherwise.</param>
/// <param name="Block">Launches: the block dimensions (x, y, z); zeros otherwise.</param>
/// <param name="Result">The call's return value (CUresult, hipError_t, ze_result_t, cl_int): 0 is success.</param>
/// <param name="UserStack">The calling thread's user stack at entry, leaf first (empty when not captured).</param>
public readonly record struct GpuApiCall(
    string Vendor,
    string Function,
    GpuCallClass Class,
    string KernelName,
    ulong KernelAddress,
    long Bytes,
    ulong DevicePointer,
    ulong Stream,
    (uint X, uint Y, uint Z) Grid,
    (uint X, uint Y, uint Z) Block,
    int Result,
    ReadOnlyMemory<ulong> UserStack)
{
    public static readonly EventKind Kind = EventKind.Register("gpu.call", Layer.Gpu);

    /// <summary>The calling thread's name when the source knows it.</summary>
    public string ThreadName { get; init; } = string.Empty;

    /// <summary>The calling process's name when the source knows it.</summary>
    public string ProcessName { get; init; } = string.Empty;
}

/// <summary>The <see cref="ActivitySpan"/> kind of a GPU call shown on the timeline (category <c>gpu</c>).</summary>
public static class GpuCallSpan
{
    public static readonly EventKind Kind = EventKind.Register("gpu.span", Layer.Gpu);
}
