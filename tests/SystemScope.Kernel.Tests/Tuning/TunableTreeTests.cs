using System.Diagnostics;
using System.Globalization;
using SystemScope.Core.Tuning;
using SystemScope.Kernel.Tests.Infrastructure;
using SystemScope.Sources.Tuning;

namespace SystemScope.Kernel.Tests.Tuning;

/// <summary>
/// Every declared tunable's read, write and restore against a fake /proc, /sys and cgroup tree (the
/// files a kernel would show), and the process tunables on a real child process (system calls cannot
/// be faked by files). A restore writes back what was read: the value after it equals the one before.
/// </summary>
public sealed class TunableTreeTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("systemscope-tunables-").FullName;
    private readonly TunableRegistry _tunables;

    public TunableTreeTests()
    {
        Write("proc/sys/net/core/somaxconn", "4096\n");
        Write("proc/sys/net/ipv4/tcp_max_syn_backlog", "512\n");
        Write("proc/sys/net/ipv4/tcp_congestion_control", "cubic\n");
        Write("proc/sys/net/ipv4/tcp_available_congestion_control", "reno cubic\n");
        Write("proc/sys/vm/swappiness", "60\n");
        Write("proc/sys/vm/dirty_ratio", "20\n");
        Write("proc/sys/vm/dirty_background_ratio", "10\n");
        Write("proc/42/stat", "42 (x) S 1 0 0 0 0 0 0 0 0 0 0 0 0 0 20 0 1 0 100 0 0\n");
        Write("sys/block/vda/queue/scheduler", "[mq-deadline] none\n");
        Write("sys/block/vda/queue/read_ahead_kb", "128\n");
        Write("sys/kernel/mm/transparent_hugepage/enabled", "always [madvise] never\n");
        Write("sys/devices/system/cpu/online", "0-1\n");
        Write("cgroup/app/cpu.weight", "100\n");
        Write("cgroup/app/memory.high", "max\n");
        _tunables = new TunableRegistry(LinuxTunables.All(new TuningRoots(Path.Combine(_root, "proc"), Path.Combine(_root, "sys"), Path.Combine(_root, "cgroup"), new NoNetworkNamespaces())));
    }

    public static TheoryData<string, string, string, string, string> FileCases => new()
    {
        // tunable, target, value before, value to set, a value out of range
        { "net.core.somaxconn", "netns", "4096", "8192", "70000" },
        { "net.ipv4.tcp_max_syn_backlog", "netns", "512", "1024", "12" },
        { "net.ipv4.tcp_congestion_control", "netns", "cubic", "reno", "bbr" },
        { "vm.swappiness", "system", "60", "10", "300" },
        { "vm.dirty_ratio", "system", "20", "30", "95" },
        { "vm.dirty_background_ratio", "system", "10", "5", "0" },
        { "block.scheduler", "device:vda", "mq-deadline", "none", "cfq" },
        { "block.read_ahead_kb", "device:vda", "128", "1024", "-1" },
        { "mm.transparent_hugepage", "system", "madvise", "never", "sometimes" },
        { "cgroup.cpu.weight", "cgroup:/app", "100", "10", "0" },
        { "cgroup.memory.high", "cgroup:/app", "max", "1073741824", "4096" },
    };

    [Theory]
    [MemberData(nameof(FileCases))]
    public void FileTunables_ReadWriteRestore_AndRefuseValuesOutOfRange(string id, string target, string before, string value, string outOfRange)
    {
        var tunable = _tunables.Get(id);
        var on = Target(target);
        Assert.Null(tunable.Availability(on));
        Assert.Equal(before, tunable.Read(on));
        Assert.NotNull(tunable.Validate(on, outOfRange));
        Assert.Null(tunable.Validate(on, value));

        tunable.Write(on, value);
        Assert.Equal(value, tunable.Read(on));
        tunable.Write(on, before);
        Assert.Equal(before, tunable.Read(on));
    }

    [Fact]
    public void ATunableThisKernelLacks_SaysSo()
    {
        var governor = _tunables.Get("cpufreq.governor");
        Assert.Contains("does not exist on this kernel", governor.Availability(TunableTarget.System("cpu0")), StringComparison.Ordinal);
        Assert.Contains("does not exist", _tunables.Get("cgroup.cpu.weight").Availability(TunableTarget.Cgroup("/gone")), StringComparison.Ordinal);
        Assert.Contains("has exited", _tunables.Get("net.core.somaxconn").Availability(TunableTarget.NetworkNamespace(1, 999999)), StringComparison.Ordinal);
        Assert.Contains("no file", _tunables.Get("block.scheduler").Availability(TunableTarget.System("../../etc")), StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownTunable_IsRefusedWithTheClosestName()
    {
        var error = Assert.Throws<SystemScope.Core.Errors.NotFoundException>(() => _tunables.Get("net.core.somaxcon"));
        Assert.Contains("did you mean 'net.core.somaxconn'", error.Message, StringComparison.Ordinal);
    }

    [KernelFact]
    public void ProcessTunables_ReadWriteRestore_OnARealProcess()
    {
        var live = new TunableRegistry(LinuxTunables.All(TuningRoots.Live()));
        using var child = Process.Start("sleep", "60");
        try
        {
            var target = TunableTarget.Process(child.Id);
            foreach (var (id, value, outOfRange) in new[] { ("process.nice", "19", "-5"), ("process.policy", "batch", "fifo"), ("process.affinity", "1", "7") })
            {
                var tunable = live.Get(id);
                Assert.Null(tunable.Availability(target));
                var before = tunable.Read(target);
                Assert.NotNull(tunable.Validate(target, outOfRange));
                tunable.Write(target, value);
                Assert.Equal(value, tunable.Read(target));
                tunable.Write(target, before);
                Assert.Equal(before, tunable.Read(target));
            }

            child.Kill();
            child.WaitForExit();
            Assert.Contains("has exited", live.Get("process.nice").Availability(target), StringComparison.Ordinal);
        }
        finally
        {
            if (!child.HasExited)
            {
                child.Kill();
            }
        }
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static TunableTarget Target(string text) => text switch
    {
        "netns" => TunableTarget.NetworkNamespace(4026531840UL + 42, 42),
        "system" => TunableTarget.System(),
        _ when text.StartsWith("device:", StringComparison.Ordinal) => TunableTarget.System(text[7..]),
        _ => TunableTarget.Cgroup(text[7..]),
    };

    private void Write(string relative, string text)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }
}
