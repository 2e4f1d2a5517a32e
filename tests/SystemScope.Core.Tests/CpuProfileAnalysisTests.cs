using SystemScope.Core.Analyses.Cpu;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Cpu;
using SystemScope.Core.Export;
using SystemScope.Core.Sessions;

namespace SystemScope.Core.Tests;

public sealed class CpuProfileAnalysisTests
{
    [Fact]
    public void Stacks_become_root_first_paths_user_then_kernel()
    {
        var analysis = new CpuProfileAnalysis(new TableSymbolizer(), ProcessFilter.ForPid(7));

        analysis.OnEvents([Sample(pid: 7, user: [0x30, 0x20, 0x10], kernel: [0xf2, 0xf1], count: 4)]);

        Assert.Equal(["u10;u20;u30;kf1_[k];kf2_[k] 4"], Folded(analysis));
    }

    [Fact]
    public void Without_a_single_pid_the_process_name_is_the_root()
    {
        var analysis = new CpuProfileAnalysis(new TableSymbolizer(), ProcessFilter.All);

        analysis.OnEvents([Sample(pid: 7, user: [0x10], kernel: [], count: 1, name: "nginx"), Sample(pid: 8, user: [0x10], kernel: [], count: 2, name: "redis")]);

        Assert.Equal(["nginx;u10 1", "redis;u10 2"], Folded(analysis));

        var two = new CpuProfileAnalysis(new TableSymbolizer(), ProcessFilter.ForPids(7, 8));
        two.OnEvents([Sample(pid: 7, user: [0x10], kernel: [], count: 1, name: "nginx")]);
        Assert.Equal(["nginx;u10 1"], Folded(two));
    }

    [Fact]
    public void Each_batch_is_one_window_and_a_filter_change_starts_afresh()
    {
        var analysis = new CpuProfileAnalysis(new TableSymbolizer(), ProcessFilter.All);
        analysis.OnEvents([Sample(pid: 7, user: [0x10], kernel: [], count: 1, start: 0)]);
        analysis.OnEvents([Sample(pid: 7, user: [0x10], kernel: [], count: 1, start: 1000)]);
        Assert.Equal(2, analysis.Model.Windows().Count);
        Assert.Equal(2, analysis.Model.Total);

        analysis.OnFilterChanged(ProcessFilter.ForPid(7));
        analysis.OnEvents([Sample(pid: 7, user: [0x10], kernel: [], count: 5)]);

        Assert.Equal(["u10 5"], Folded(analysis));
    }

    [Fact]
    public void A_single_process_profile_ignores_other_processes_still_in_flight()
    {
        var analysis = new CpuProfileAnalysis(new TableSymbolizer(), ProcessFilter.ForPid(7));

        analysis.OnFilterChanged(ProcessFilter.ForPid(8));
        analysis.OnEvents([Sample(pid: 7, user: [0x10], kernel: [], count: 3), Sample(pid: 8, user: [0x20], kernel: [], count: 2)]);

        Assert.Equal(["u20 2"], Folded(analysis));
    }

    private static Event<CpuStackSample> Sample(int pid, ulong[] user, ulong[] kernel, long count, string name = "app", long start = 0) =>
        new(new EventHeader(CpuStackSample.Kind, start, pid, pid) { DurationNs = 1000 }, new CpuStackSample(user, kernel, count, name));

    private static string[] Folded(CpuProfileAnalysis analysis)
    {
        var text = new StringWriter();
        analysis.Model.Read(tree =>
        {
            FoldedExporter.Write(tree, text);
            return 0;
        });
        return [.. text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)];
    }
}
