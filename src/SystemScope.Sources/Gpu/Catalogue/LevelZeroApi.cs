using SystemScope.Core.Events.Gpu;
using static SystemScope.Sources.Gpu.Catalogue.ValueRef;

namespace SystemScope.Sources.Gpu.Catalogue;

/// <summary>
/// Intel's oneAPI Level Zero loader <c>libze_loader.so*</c>. Work is appended to command lists and submitted
/// by <c>zeCommandQueueExecuteCommandLists</c>; a copy's direction is not in its arguments.
/// </summary>
internal static class LevelZeroApi
{
    public static GpuVendor Vendor { get; } = new("levelzero", "Intel Level Zero", ["libze_loader.so*"], Functions());

    private static List<GpuFunction> Functions() =>
    [
        // ze_group_count_t: groupCountX, Y, Z (uint32_t each).
        new("zeCommandListAppendLaunchKernel", GpuCallClass.Launch) { KernelHandle = Arg(2), Grid = DimsRef.Field(3, 0), Stream = Arg(1), StreamNoun = "command list" },
        new("zeCommandQueueExecuteCommandLists", GpuCallClass.Submit) { Stream = Arg(1), StreamNoun = "queue" },
        new("zeCommandListAppendMemoryCopy", GpuCallClass.Copy) { Bytes = Arg(4), Stream = Arg(1), StreamNoun = "command list" },

        new("zeFenceHostSynchronize", GpuCallClass.Synchronize) { Stream = Arg(1), StreamNoun = "fence" },
        new("zeEventHostSynchronize", GpuCallClass.Synchronize) { Stream = Arg(1), StreamNoun = "event" },
        new("zeCommandQueueSynchronize", GpuCallClass.Synchronize) { Stream = Arg(1), StreamNoun = "queue" },

        new("zeMemAllocDevice", GpuCallClass.Alloc) { Bytes = Arg(3), DevicePointer = WrittenThrough(6) },
        new("zeMemAllocHost", GpuCallClass.Alloc) { Bytes = Arg(3), DevicePointer = WrittenThrough(5) },
        new("zeMemAllocShared", GpuCallClass.Alloc) { Bytes = Arg(4), DevicePointer = WrittenThrough(7) },
        new("zeMemFree", GpuCallClass.Free) { DevicePointer = Arg(2) },

        // ze_kernel_desc_t: stype at 0, pNext at 8, flags at 16, pKernelName at 24.
        new("zeKernelCreate", GpuCallClass.Other) { Names = new NameLookup(2, WrittenThrough(3), FieldOffset: 24) },
        new("zeKernelSetGroupSize", GpuCallClass.Other),
    ];
}
