using SystemScope.Core.Analyses.Gpu;
using SystemScope.Core.Events.Gpu;
using SystemScope.Core.Export;
using SystemScope.Core.Models.FlameGraph;
using SystemScope.Core.Sessions;
using SystemScope.Core.Symbols;
using static SystemScope.Core.Tests.Gpu.GpuCalls;

namespace SystemScope.Core.Tests.Gpu;

public sealed class GpuFlameGraphTests
{
    [Fact]
    public void Kernels_sit_on_the_launching_stack_weighted_by_launches()
    {
        var analysis = new GpuFlameGraphAnalysis(new PartlyKnownSymbolizer(), ProcessFilter.ForPid(7), 0, TimeSpan.FromSeconds(1));

        analysis.OnEvents([.. Step(0), .. Step(100 * Ms)]);
        analysis.OnEvents([
            Call(GpuCallClass.Launch, "cudaLaunchKernel", 300 * Ms, 1000, stack: [0x50, 0x10], kernelAddress: 0x40),
            Call(GpuCallClass.Launch, "cudaLaunchKernel", 301 * Ms, 1000, stack: [0x50, 0x10], kernelAddress: 0x4000),
            Call(GpuCallClass.Launch, "cuLaunchKernel", 302 * Ms, 1000, kernel: "failed", result: 1),
        ]);
        analysis.OnTick(long.MaxValue);

        Assert.Equal(["u10;u20;u30;vecAdd 8", "u10;u50;kernel@0x4000 1", "u10;u50;u40 1"], Folded(analysis.Launches));
        Assert.Equal(10, analysis.Launches.Total);
    }

    [Fact]
    public void Copies_weigh_their_bytes_under_their_direction_and_waits_their_time()
    {
        var analysis = new GpuFlameGraphAnalysis(new TableSymbolizer(), ProcessFilter.ForPid(7), 0, TimeSpan.FromSeconds(1));

        analysis.OnEvents([.. Step(0), .. Step(100 * Ms)]);
        analysis.OnTick(long.MaxValue);

        Assert.Equal([$"u10;u20;u30;[copy device→host] {2 * MiB}", $"u10;u20;u30;[copy host→device] {2 * MiB}"], Folded(analysis.Copies));
        Assert.Equal([$"u10;u20;u30;[wait cuStreamSynchronize] {20 * Ms}"], Folded(analysis.Waits));
    }

    [Fact]
    public void Device_frames_are_of_their_own_kind_under_the_process()
    {
        var analysis = new GpuFlameGraphAnalysis(new TableSymbolizer(), ProcessFilter.All, 0, TimeSpan.FromSeconds(1));

        analysis.OnEvents([.. Step(0)]);
        analysis.OnTick(long.MaxValue);

        var update = ModelJson.Query(analysis.Launches);
        var names = update.Strings("frameNames");
        var kinds = update.GetProperty("frameKinds").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.Equal((int)FrameKind.Gpu, kinds[Array.IndexOf(names, "vecAdd")]);
        Assert.Equal((int)FrameKind.Process, kinds[Array.IndexOf(names, "driver")]);
        Assert.Equal((int)FrameKind.Native, kinds[Array.IndexOf(names, "u10")]);
        Assert.Equal("launches", update.GetProperty("unit").GetString());
    }

    [Fact]
    public void Windows_close_as_the_sources_pass_them_and_the_last_at_the_end()
    {
        var analysis = new GpuFlameGraphAnalysis(new TableSymbolizer(), ProcessFilter.ForPid(7), 0, TimeSpan.FromMilliseconds(100));

        analysis.OnEvents([.. Step(0), .. Step(100 * Ms), .. Step(200 * Ms)]);
        analysis.OnTick(250 * Ms);
        Assert.Equal([4L, 4L], analysis.Launches.Windows().Select(w => w.Total));

        analysis.OnTick(long.MaxValue);
        Assert.Equal([4L, 4L, 4L], analysis.Launches.Windows().Select(w => w.Total));
        Assert.Equal(200 * Ms, analysis.Launches.Windows()[^1].StartNs);
    }

    [Fact]
    public void A_filter_change_starts_afresh_with_the_new_processes_only()
    {
        var analysis = new GpuFlameGraphAnalysis(new TableSymbolizer(), ProcessFilter.All, 0, TimeSpan.FromSeconds(1));
        analysis.OnEvents([.. Step(0)]);

        analysis.OnFilterChanged(ProcessFilter.ForPid(8));
        analysis.OnEvents([.. Step(0, pid: 7), .. Step(0, pid: 8, tid: 8)]);
        analysis.OnTick(long.MaxValue);

        Assert.Equal(4, analysis.Launches.Total);
    }

    private static string[] Folded(FlameGraphModel model)
    {
        var text = new StringWriter();
        model.Read(tree =>
        {
            FoldedExporter.Write(tree, text);
            return 0;
        });
        return [.. text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)];
    }
}
