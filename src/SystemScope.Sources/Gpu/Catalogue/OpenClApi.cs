using SystemScope.Core.Events.Gpu;
using static SystemScope.Sources.Gpu.Catalogue.ValueRef;

namespace SystemScope.Sources.Gpu.Catalogue;

/// <summary>
/// OpenCL through the ICD loader <c>libOpenCL.so*</c>. Object-creating calls return the object and report
/// their status through their last argument (<c>errcode_ret</c>).
/// </summary>
internal static class OpenClApi
{
    public static GpuVendor Vendor { get; } = new("opencl", "OpenCL", ["libOpenCL.so*"], Functions());

    private static List<GpuFunction> Functions() =>
    [
        new("clEnqueueNDRangeKernel", GpuCallClass.Launch)
        {
            KernelHandle = Arg(2), Grid = DimsRef.Sizes(5, 3), Block = DimsRef.Sizes(6, 3), Stream = Arg(1), StreamNoun = "queue",
        },
        new("clEnqueueWriteBuffer", GpuCallClass.CopyHostToDevice) { Bytes = Arg(5), Stream = Arg(1), StreamNoun = "queue" },
        new("clEnqueueReadBuffer", GpuCallClass.CopyDeviceToHost) { Bytes = Arg(5), Stream = Arg(1), StreamNoun = "queue" },
        new("clEnqueueCopyBuffer", GpuCallClass.CopyDeviceToDevice) { Bytes = Arg(6), Stream = Arg(1), StreamNoun = "queue" },

        new("clFinish", GpuCallClass.Synchronize) { Stream = Arg(1), StreamNoun = "queue" },
        new("clWaitForEvents", GpuCallClass.Synchronize) { StreamNoun = "events" },

        new("clCreateBuffer", GpuCallClass.Alloc) { Bytes = Arg(3), DevicePointer = Returned, Result = WrittenThrough(5) },
        new("clReleaseMemObject", GpuCallClass.Free) { DevicePointer = Arg(1) },
        new("clCreateKernel", GpuCallClass.Other) { Names = new NameLookup(2, Returned), Result = WrittenThrough(3) },
    ];
}
