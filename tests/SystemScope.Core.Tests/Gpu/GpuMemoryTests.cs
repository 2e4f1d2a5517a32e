using SystemScope.Core.Analyses.Gpu;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Gpu;
using SystemScope.Core.Events.Process;
using SystemScope.Core.Sessions;
using static SystemScope.Core.Tests.Gpu.GpuCalls;

namespace SystemScope.Core.Tests.Gpu;

public sealed class GpuMemoryTests
{
    [Fact]
    public void Frees_are_matched_to_allocations_by_pointer()
    {
        var analysis = new GpuMemoryAnalysis(ProcessFilter.All, 0, TimeSpan.FromSeconds(1));

        analysis.OnEvents([
            Call(GpuCallClass.Alloc, "cuMemAlloc_v2", 1 * Ms, 1000, bytes: MiB, pointer: 0xa000),
            Call(GpuCallClass.Alloc, "cuMemAlloc_v2", 2 * Ms, 1000, bytes: 2 * MiB, pointer: 0xb000),
            Call(GpuCallClass.Alloc, "cuMemAlloc_v2", 3 * Ms, 1000, bytes: 4 * MiB, pointer: 0xc000),
            Call(GpuCallClass.Alloc, "cuMemAlloc_v2", 4 * Ms, 1000, bytes: 8 * MiB, pointer: 0, result: 2),
            Call(GpuCallClass.Free, "cuMemFree_v2", 5 * Ms, 1000, pointer: 0xb000),
            Call(GpuCallClass.Free, "cuMemFree_v2", 6 * Ms, 1000, pointer: 0xdead),
        ]);
        analysis.OnTick(1000 * Ms);
        analysis.OnEvents([Call(GpuCallClass.Free, "cuMemFree_v2", 1100 * Ms, 1000, pointer: 0xa000)]);
        analysis.OnTick(2000 * Ms);
        analysis.OnEvents([new Event<ProcessLifecycle>(new EventHeader(ProcessLifecycle.ExitKind, 2100 * Ms, 7, 7), new ProcessLifecycle(ProcessChange.Exit, "driver"))]);
        analysis.OnTick(3000 * Ms);

        var series = ModelJson.Query(analysis.Memory).GetProperty("series")[0];
        Assert.Equal("driver (7)", series.GetProperty("label").GetString());
        Assert.Equal([5.0 * MiB, 4.0 * MiB, 0], series.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()));
    }
}
