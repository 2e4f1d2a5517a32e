using SystemScope.Core.Tuning;
using SystemScope.Sources.Tuning;
using SystemScope.Sources.Tuning.Advisors;

namespace SystemScope.Kernel.Tests.Tuning;

/// <summary>Advisors that read only /proc and /sys, on a fake tree whose counters the test moves: exact inputs, exact findings.</summary>
public sealed class AdvisorTreeTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("systemscope-advisors-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("cubic", "reno bbr cubic", "use-bbr", null)]
    [InlineData("bbr", "reno bbr cubic", null, "BBR is already in use")]
    [InlineData("cubic", "reno cubic", null, "modprobe tcp_bbr")]
    public void TcpRetransmits_ProposeBbrWhereItIsOffered(string current, string offered, string? action, string? advice)
    {
        Write("proc/sys/net/ipv4/tcp_congestion_control", current + "\n");
        Write("proc/sys/net/ipv4/tcp_available_congestion_control", offered + "\n");
        Snmp(outSegs: 1000, retransmitted: 0);
        var advisor = new TcpRetransmitAdvisor(Roots());
        var run = advisor.Begin(new AdvisorContext(_ => null, null, 1));
        Snmp(outSegs: 11000, retransmitted: 500);

        var finding = Assert.Single(run.Finish().Findings);
        Assert.Equal($"tcp-retransmits.net{4026531840UL + 42}", finding.Id);
        Assert.Equal(5.0, finding.Evidence[1].Value);
        Assert.Equal(action, finding.Actions.SingleOrDefault()?.Id);
        if (advice is not null)
        {
            Assert.Contains(advice, finding.Advice, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal("bbr", finding.Actions[0].Changes[0].Value);
            Assert.False(finding.Actions[0].Metric.LowerIsBetter);
        }
    }

    [Fact]
    public void TcpRetransmits_BelowOnePercent_IsNoFinding()
    {
        Write("proc/sys/net/ipv4/tcp_congestion_control", "cubic\n");
        Snmp(outSegs: 1000, retransmitted: 0);
        var run = new TcpRetransmitAdvisor(Roots()).Begin(new AdvisorContext(_ => null, null, 1));
        Snmp(outSegs: 101000, retransmitted: 999);
        var result = run.Finish();
        Assert.Empty(result.Findings);
        Assert.Contains("no network namespace retransmitted", Assert.Single(result.Notes).Text, StringComparison.Ordinal);
    }

    [Fact]
    public void CpuFrequency_WithoutCpufreq_SaysItIsNotAvailable()
    {
        Directory.CreateDirectory(Path.Combine(_root, "sys/devices/system/cpu/cpu0"));
        var result = new CpuFrequencyAdvisor(Roots()).Begin(new AdvisorContext(_ => null, null, 1)).Finish();
        Assert.Empty(result.Findings);
        Assert.Contains("cpufreq is not available on this machine", Assert.Single(result.Notes).Text, StringComparison.Ordinal);
    }

    [Fact]
    public void CpuFrequency_APowersaveGovernor_IsAFindingWithTheTunableToTry()
    {
        Write("sys/devices/system/cpu/cpu0/cpufreq/scaling_governor", "powersave\n");
        Write("sys/devices/system/cpu/cpu1/cpufreq/scaling_governor", "performance\n");
        var finding = Assert.Single(new CpuFrequencyAdvisor(Roots()).Begin(new AdvisorContext(_ => null, null, 1)).Finish().Findings);
        Assert.Equal(FindingLayer.Hardware, finding.Layer);
        Assert.Contains("cpu0 (powersave)", finding.Advice, StringComparison.Ordinal);
        Assert.DoesNotContain("cpu1", finding.Advice, StringComparison.Ordinal);
    }

    private TuningRoots Roots() => new(Path.Combine(_root, "proc"), Path.Combine(_root, "sys"), null, new NoNetworkNamespaces());

    private void Snmp(long outSegs, long retransmitted) => Write("proc/42/net/snmp",
        "Ip: Forwarding DefaultTTL\nIp: 1 64\n" +
        $"Tcp: RtoAlgorithm RtoMin OutSegs RetransSegs InErrs\nTcp: 1 200 {outSegs} {retransmitted} 0\n");

    private void Write(string relative, string text)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}
