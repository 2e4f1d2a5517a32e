using SystemScope.Core.Events.Gpu;
using static SystemScope.Sources.Gpu.Catalogue.ValueRef;

namespace SystemScope.Sources.Gpu.Catalogue;

/// <summary>
/// NVIDIA's runtime API in <c>libcudart.so*</c> (PyTorch ships it as <c>libcudart-&lt;hash&gt;.so.N</c>). A launch
/// names its kernel by the host stub's address; <c>dim3</c> arguments travel by value, two registers each.
/// </summary>
internal static class CudaRuntimeApi
{
    public static GpuVendor Vendor { get; } = new("cudart", "CUDA runtime API", ["libcudart.so*", "libcudart-*.so*"], Functions());

    private static List<GpuFunction> Functions()
    {
        // cudaLaunchKernel(func, dim3 grid, dim3 block, args, sharedMem, stream): grid in args 2-3, block 4-5, stream on the stack.
        var launch = new GpuFunction("cudaLaunchKernel", GpuCallClass.Launch)
        {
            KernelAddress = Arg(1), Grid = DimsRef.Dim3(2), Block = DimsRef.Dim3(4), Stream = Arg(8),
        };

        // cudaLaunchConfig_t: gridDim at 0, blockDim at 12, dynamicSmemBytes at 24, stream at 32.
        var launchEx = new GpuFunction("cudaLaunchKernelExC", GpuCallClass.Launch)
        {
            KernelAddress = Arg(2), Grid = DimsRef.Field(1, 0), Block = DimsRef.Field(1, 12), Stream = Field(1, 32),
        };
        var copy = new GpuFunction("cudaMemcpy", GpuCallClass.Copy) { Bytes = Arg(3), CopyKindArgument = 4 };
        var copyAsync = new GpuFunction("cudaMemcpyAsync", GpuCallClass.Copy) { Bytes = Arg(3), CopyKindArgument = 4, Stream = Arg(5) };
        var streamSync = new GpuFunction("cudaStreamSynchronize", GpuCallClass.Synchronize) { Stream = Arg(1) };
        var graph = new GpuFunction("cudaGraphLaunch", GpuCallClass.Submit) { Stream = Arg(2) };
        var mallocAsync = new GpuFunction("cudaMallocAsync", GpuCallClass.Alloc) { Bytes = Arg(2), DevicePointer = WrittenThrough(1), Stream = Arg(3) };
        var freeAsync = new GpuFunction("cudaFreeAsync", GpuCallClass.Free) { DevicePointer = Arg(1), Stream = Arg(2) };
        return
        [
            launch,
            launch with { Name = "cudaLaunchKernel_ptsz", Optional = true },
            launchEx,
            launchEx with { Name = "cudaLaunchKernelExC_ptsz", Optional = true },
            graph,
            graph with { Name = "cudaGraphLaunch_ptsz", Optional = true },

            copy,
            copy with { Name = "cudaMemcpy_ptds", Optional = true },
            copyAsync,
            copyAsync with { Name = "cudaMemcpyAsync_ptsz", Optional = true },
            new("cudaMemcpyPeer", GpuCallClass.CopyDeviceToDevice) { Bytes = Arg(5) },
            new("cudaMemcpyPeerAsync", GpuCallClass.CopyDeviceToDevice) { Bytes = Arg(5), Stream = Arg(6) },

            new("cudaMalloc", GpuCallClass.Alloc) { Bytes = Arg(2), DevicePointer = WrittenThrough(1) },
            new("cudaMallocHost", GpuCallClass.Alloc) { Bytes = Arg(2), DevicePointer = WrittenThrough(1) },
            new("cudaMallocManaged", GpuCallClass.Alloc) { Bytes = Arg(2), DevicePointer = WrittenThrough(1) },
            mallocAsync,
            mallocAsync with { Name = "cudaMallocAsync_ptsz", Optional = true },
            new("cudaFree", GpuCallClass.Free) { DevicePointer = Arg(1) },
            new("cudaFreeHost", GpuCallClass.Free) { DevicePointer = Arg(1) },
            freeAsync,
            freeAsync with { Name = "cudaFreeAsync_ptsz", Optional = true },

            new("cudaDeviceSynchronize", GpuCallClass.Synchronize),
            streamSync,
            streamSync with { Name = "cudaStreamSynchronize_ptsz", Optional = true },
            new("cudaEventSynchronize", GpuCallClass.Synchronize) { Stream = Arg(1), StreamNoun = "event" },
        ];
    }
}
