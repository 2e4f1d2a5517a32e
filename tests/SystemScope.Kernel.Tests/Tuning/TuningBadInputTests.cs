using System.Diagnostics;
using System.Globalization;
using SystemScope.Kernel.Tests.EndToEnd;
using SystemScope.Kernel.Tests.Infrastructure;

namespace SystemScope.Kernel.Tests.Tuning;

/// <summary>What a user gets wrong first, through the real binary: a clear error, its exit status, and nothing changed.</summary>
[Collection(KernelCollection.Name)]
public sealed class TuningBadInputTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    [AgentFact]
    public void BadInput_IsRefusedClearly_AndNothingIsHalfApplied()
    {
        using var cli = new TuningCli();
        using var sleeper = Process.Start("sleep", "120");
        var pid = sleeper.Id.ToString(CultureInfo.InvariantCulture);
        try
        {
            // Tuning not enabled: says how to enable it.
            var off = cli.Run(Patience, "tune", "apply", "cpu-contention.pid1");
            Assert.Equal(4, off.ExitCode);
            Assert.Contains("--allow-tuning", off.Stderr, StringComparison.Ordinal);

            // An id no finding has now.
            var unknown = cli.Run(Patience, "tune", "apply", "listen-overflow.net1.port1", "--allow-tuning", "--duration", "1");
            Assert.Equal(3, unknown.ExitCode);
            Assert.Contains("is not present now", unknown.Stderr, StringComparison.Ordinal);

            // A value outside the tunable's range, a tunable that is not declared, a pid that exited, a tunable absent here.
            var outOfRange = cli.Run(Patience, "tune", "apply", "--tunable", "process.nice", "--target", "pid:" + pid, "--value", "25", "--metric", "runqlat-p99:" + pid, "--allow-tuning");
            Assert.Equal(2, outOfRange.ExitCode);
            Assert.Contains("25 is outside 0..19", outOfRange.Stderr, StringComparison.Ordinal);
            var undeclared = cli.Run(Patience, "tune", "apply", "--tunable", "kernel.panic", "--target", "system", "--value", "1", "--metric", "runqlat-p99:" + pid, "--allow-tuning");
            Assert.Equal(3, undeclared.ExitCode);
            Assert.Contains("is not a declared tunable", undeclared.Stderr, StringComparison.Ordinal);
            var exited = cli.Run(Patience, "tune", "apply", "--tunable", "process.nice", "--target", "pid:999999999", "--value", "5", "--metric", "runqlat-p99:1", "--allow-tuning");
            Assert.Equal(3, exited.ExitCode);
            Assert.Contains("does not exist", exited.Stderr, StringComparison.Ordinal);
            if (!Directory.Exists("/sys/devices/system/cpu/cpu0/cpufreq"))
            {
                var absent = cli.Run(Patience, "tune", "apply", "--tunable", "cpufreq.governor", "--target", "cpu:cpu0", "--value", "performance", "--metric", "runqlat-p99:" + pid, "--allow-tuning");
                Assert.Equal(4, absent.ExitCode);
                Assert.Contains("does not exist on this kernel", absent.Stderr, StringComparison.Ordinal);
            }

            // Rolling back what was never applied.
            var rollback = cli.Run(Patience, "tune", "rollback", "t0");
            Assert.Equal(3, rollback.ExitCode);
            Assert.Contains("no action or finding 't0'", rollback.Stderr, StringComparison.Ordinal);

            var stat = File.ReadAllText($"/proc/{pid}/stat");
            Assert.Equal("0", stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[16]);
            Assert.Empty(cli.Journal());
        }
        finally
        {
            sleeper.Kill();
        }
    }
}
