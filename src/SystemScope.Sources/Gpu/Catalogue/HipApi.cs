using SystemScope.Core.Events.Gpu;
using static SystemScope.Sources.Gpu.Catalogue.ValueRef;

namespace SystemScope.Sources.Gpu.Catalogue;

/// <summary>
/// AMD's HIP runtime in <c>libamdhip64.so*</c>: <c>hipLaunchKernel</c> has <c>cudaLaunchKernel</c>'s ABI,
/// <c>hipModuleLaunchKernel</c> <c>cuLaunchKernel</c>'s; <c>hipMemcpyKind</c> has <c>cudaMemcpyKind</c>'s values.
/// </summary>
internal static class HipApi
{
    public static GpuVendor Vendor { get; } = new("hip", "AMD HIP", ["libamdhip64.so*"], Functions());

    private static List<GpuFunction> Functions() =>
    [
        new("hipLaunchKernel", GpuCallClass.Launch) { KernelAddress = Arg(1), Grid = DimsRef.Dim3(2), Block = DimsRef.Dim3(4), Stream = Arg(8) },
        new("hipModuleLaunchKernel", GpuCallClass.Launch) { KernelHandle = Arg(1), Grid = DimsRef.Args(2), Block = DimsRef.Args(5), Stream = Arg(9) },
        new("hipGraphLaunch", GpuCallClass.Submit) { Stream = Arg(2) },

        new("hipMemcpy", GpuCallClass.Copy) { Bytes = Arg(3), CopyKindArgument = 4 },
        new("hipMemcpyAsync", GpuCallClass.Copy) { Bytes = Arg(3), CopyKindArgument = 4, Stream = Arg(5) },
        new("hipMemcpyHtoD", GpuCallClass.CopyHostToDevice) { Bytes = Arg(3) },
        new("hipMemcpyDtoH", GpuCallClass.CopyDeviceToHost) { Bytes = Arg(3) },
        new("hipMemcpyDtoD", GpuCallClass.CopyDeviceToDevice) { Bytes = Arg(3) },
        new("hipMemcpyHtoDAsync", GpuCallClass.CopyHostToDevice) { Bytes = Arg(3), Stream = Arg(4) },
        new("hipMemcpyDtoHAsync", GpuCallClass.CopyDeviceToHost) { Bytes = Arg(3), Stream = Arg(4) },

        new("hipMalloc", GpuCallClass.Alloc) { Bytes = Arg(2), DevicePointer = WrittenThrough(1) },
        new("hipMallocManaged", GpuCallClass.Alloc) { Bytes = Arg(2), DevicePointer = WrittenThrough(1) },
        new("hipHostMalloc", GpuCallClass.Alloc) { Bytes = Arg(2), DevicePointer = WrittenThrough(1) },
        new("hipFree", GpuCallClass.Free) { DevicePointer = Arg(1) },
        new("hipHostFree", GpuCallClass.Free) { DevicePointer = Arg(1) },

        new("hipDeviceSynchronize", GpuCallClass.Synchronize),
        new("hipStreamSynchronize", GpuCallClass.Synchronize) { Stream = Arg(1) },
        new("hipEventSynchronize", GpuCallClass.Synchronize) { Stream = Arg(1), StreamNoun = "event" },

        new("hipModuleLoadData", GpuCallClass.Other),
        new("hipModuleGetFunction", GpuCallClass.Other) { Names = new NameLookup(3, WrittenThrough(1)) },
    ];
}
