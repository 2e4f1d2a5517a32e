using SystemScope.Core.Events.Gpu;
using static SystemScope.Sources.Gpu.Catalogue.ValueRef;

namespace SystemScope.Sources.Gpu.Catalogue;

/// <summary>
/// NVIDIA's driver API in <c>libcuda.so.1</c>, as exported: cuda.h maps the plain names of the copies and
/// allocations to their <c>_v2</c> symbols, and per-thread default stream builds call the <c>_ptsz</c>/<c>_ptds</c>
/// twins. cuBLAS, cuDNN, Triton and the runtime API itself reach the GPU through these.
/// </summary>
internal static class CudaDriverApi
{
    public static GpuVendor Vendor { get; } = new("cuda", "CUDA driver API", ["libcuda.so*"], Functions());

    private static List<GpuFunction> Functions()
    {
        var launch = new GpuFunction("cuLaunchKernel", GpuCallClass.Launch)
        {
            KernelHandle = Arg(1), Grid = DimsRef.Args(2), Block = DimsRef.Args(5), Stream = Arg(9),
        };

        // CUlaunchConfig: gridDimX..Z at 0, blockDimX..Z at 12, sharedMemBytes at 24, hStream at 32.
        var launchEx = new GpuFunction("cuLaunchKernelEx", GpuCallClass.Launch)
        {
            KernelHandle = Arg(2), Grid = DimsRef.Field(1, 0), Block = DimsRef.Field(1, 12), Stream = Field(1, 32),
        };
        List<GpuFunction> functions =
        [
            launch,
            launch with { Name = "cuLaunchKernel_ptsz", Optional = true },
            launchEx,
            launchEx with { Name = "cuLaunchKernelEx_ptsz", Optional = true },
            new("cuGraphLaunch", GpuCallClass.Submit) { Stream = Arg(2) },
            new("cuGraphLaunch_ptsz", GpuCallClass.Submit) { Stream = Arg(2), Optional = true },

            new("cuMemcpy", GpuCallClass.Copy) { Bytes = Arg(3) },
            new("cuMemcpyAsync", GpuCallClass.Copy) { Bytes = Arg(3), Stream = Arg(4) },
            new("cuMemcpyHtoD_v2", GpuCallClass.CopyHostToDevice) { Bytes = Arg(3) },
            new("cuMemcpyDtoH_v2", GpuCallClass.CopyDeviceToHost) { Bytes = Arg(3) },
            new("cuMemcpyDtoD_v2", GpuCallClass.CopyDeviceToDevice) { Bytes = Arg(3) },
            new("cuMemcpyHtoDAsync_v2", GpuCallClass.CopyHostToDevice) { Bytes = Arg(3), Stream = Arg(4) },
            new("cuMemcpyDtoHAsync_v2", GpuCallClass.CopyDeviceToHost) { Bytes = Arg(3), Stream = Arg(4) },
            new("cuMemcpyDtoDAsync_v2", GpuCallClass.CopyDeviceToDevice) { Bytes = Arg(3), Stream = Arg(4) },
            new("cuMemcpyPeer", GpuCallClass.CopyDeviceToDevice) { Bytes = Arg(5) },
            new("cuMemcpyPeerAsync", GpuCallClass.CopyDeviceToDevice) { Bytes = Arg(5), Stream = Arg(6) },

            // The 2D/3D copies describe their size in a struct beyond what the probes copy: counted, without bytes.
            new("cuMemcpy2D_v2", GpuCallClass.Copy) { Optional = true },
            new("cuMemcpy2DAsync_v2", GpuCallClass.Copy) { Stream = Arg(2), Optional = true },
            new("cuMemcpy3D_v2", GpuCallClass.Copy) { Optional = true },
            new("cuMemcpy3DAsync_v2", GpuCallClass.Copy) { Stream = Arg(2), Optional = true },

            new("cuMemAlloc_v2", GpuCallClass.Alloc) { Bytes = Arg(2), DevicePointer = WrittenThrough(1) },
            new("cuMemAllocManaged", GpuCallClass.Alloc) { Bytes = Arg(2), DevicePointer = WrittenThrough(1) },
            new("cuMemAllocAsync", GpuCallClass.Alloc) { Bytes = Arg(2), DevicePointer = WrittenThrough(1), Stream = Arg(3) },
            new("cuMemAllocAsync_ptsz", GpuCallClass.Alloc) { Bytes = Arg(2), DevicePointer = WrittenThrough(1), Stream = Arg(3), Optional = true },
            new("cuMemAllocHost_v2", GpuCallClass.Alloc) { Bytes = Arg(2), DevicePointer = WrittenThrough(1) },
            new("cuMemFree_v2", GpuCallClass.Free) { DevicePointer = Arg(1) },
            new("cuMemFreeAsync", GpuCallClass.Free) { DevicePointer = Arg(1), Stream = Arg(2) },
            new("cuMemFreeAsync_ptsz", GpuCallClass.Free) { DevicePointer = Arg(1), Stream = Arg(2), Optional = true },
            new("cuMemFreeHost", GpuCallClass.Free) { DevicePointer = Arg(1) },

            new("cuStreamSynchronize", GpuCallClass.Synchronize) { Stream = Arg(1) },
            new("cuStreamSynchronize_ptsz", GpuCallClass.Synchronize) { Stream = Arg(1), Optional = true },
            new("cuCtxSynchronize", GpuCallClass.Synchronize),
            new("cuEventSynchronize", GpuCallClass.Synchronize) { Stream = Arg(1), StreamNoun = "event" },

            new("cuModuleLoadData", GpuCallClass.Other),
            new("cuModuleGetFunction", GpuCallClass.Other) { Names = new NameLookup(3, WrittenThrough(1)) },
            new("cuLibraryGetKernel", GpuCallClass.Other) { Names = new NameLookup(3, WrittenThrough(1)), Optional = true },
        ];

        // Per-thread default stream twins of the synchronous copies.
        foreach (var name in (string[])["cuMemcpy", "cuMemcpyHtoD_v2", "cuMemcpyDtoH_v2", "cuMemcpyDtoD_v2", "cuMemcpyPeer"])
        {
            functions.Add(functions.First(f => f.Name == name) with { Name = name + "_ptds", Optional = true });
        }

        foreach (var name in (string[])["cuMemcpyAsync", "cuMemcpyHtoDAsync_v2", "cuMemcpyDtoHAsync_v2", "cuMemcpyDtoDAsync_v2", "cuMemcpyPeerAsync"])
        {
            functions.Add(functions.First(f => f.Name == name) with { Name = name + "_ptsz", Optional = true });
        }

        return functions;
    }
}
