using SystemScope.Core.Analyses;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Cpu;
using SystemScope.Core.Export;
using SystemScope.Core.Sessions;
using SystemScope.Core.Symbols;

namespace SystemScope.Core.Tests;

public sealed class CpuProfileAnalysisTests
{
    [Fact]
    public void Stacks_become_root_first_paths_user_then_kernel()
    {
        var analysis = new CpuProfileAnalysis(new TableSymbolizer(), ProcessTarget.Process(7));

        analysis.OnEvents([Sample(pid: 7, user: [0x30, 0x20, 0x10], kernel: [0xf2, 0xf1], count: 4)]);

        Assert.Equal(["u10;u20;u30;kf1_[k];kf2_[k] 4"], Folded(analysis));
    }

    [Fact]
    public void All_processes_mode_puts_the_process_name_at_the_root()
    {
        var analysis = new CpuProfileAnalysis(new TableSymbolizer(), ProcessTarget.AllProcesses);

        analysis.OnEvents([Sample(pid: 7, user: [0x10], kernel: [], count: 1, name: "nginx"), Sample(pid: 8, user: [0x10], kernel: [], count: 2, name: "redis")]);

        Assert.Equal(["nginx;u10 1", "redis;u10 2"], Folded(analysis));
    }

    [Fact]
    public void Each_batch_is_one_version_and_retarget_starts_afresh()
    {
        var analysis = new CpuProfileAnalysis(new TableSymbolizer(), ProcessTarget.AllProcesses);
        analysis.OnEvents([Sample(pid: 7, user: [0x10], kernel: [], count: 1)]);
        analysis.OnEvents([Sample(pid: 7, user: [0x10], kernel: [], count: 1)]);
        Assert.Equal(2, analysis.Read(t => t.Version));
        Assert.Equal(2, analysis.TotalSamples);

        analysis.Retarget(ProcessTarget.Process(7));
        analysis.OnEvents([Sample(pid: 7, user: [0x10], kernel: [], count: 5)]);

        Assert.Equal(["u10 5"], Folded(analysis));
    }

    [Fact]
    public void A_single_process_profile_ignores_other_processes_still_in_flight()
    {
        var analysis = new CpuProfileAnalysis(new TableSymbolizer(), ProcessTarget.Process(7));

        analysis.Retarget(ProcessTarget.Process(8));
        analysis.OnEvents([Sample(pid: 7, user: [0x10], kernel: [], count: 3), Sample(pid: 8, user: [0x20], kernel: [], count: 2)]);

        Assert.Equal(["u20 2"], Folded(analysis));
    }

    private static Event<CpuStackSample> Sample(int pid, ulong[] user, ulong[] kernel, long count, string name = "app") =>
        new(new EventHeader(CpuStackSample.Kind, 0, pid, pid), new CpuStackSample(user, kernel, count, name));

    private static string[] Folded(CpuProfileAnalysis analysis)
    {
        var text = new StringWriter();
        analysis.Read(tree =>
        {
            FoldedStacks.Write(tree, text);
            return 0;
        });
        return [.. text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal)];
    }

    /// <summary>Names addresses by their value: the analysis's job is ordering and merging, not lookup.</summary>
    private sealed class TableSymbolizer : IStackSymbolizer
    {
        public void ResolveUser(int pid, ReadOnlySpan<ulong> addresses, Span<Symbol> frames)
        {
            for (var i = 0; i < addresses.Length; i++)
            {
                frames[i] = new Symbol($"u{addresses[i]:x}", "app", FrameKind.Native);
            }
        }

        public void ResolveKernel(ReadOnlySpan<ulong> addresses, Span<Symbol> frames)
        {
            for (var i = 0; i < addresses.Length; i++)
            {
                frames[i] = new Symbol($"k{addresses[i]:x}", "kernel", FrameKind.Kernel);
            }
        }
    }
}
