using SystemScope.Core.Tuning;

namespace SystemScope.Sources.Tuning;

/// <summary>
/// Every setting the tuning loop may write, declared with its scope and allowed values: nothing else is
/// ever written. Ranges are what the loop proposes or a user may ask for; a restore writes back the
/// value read before, whatever it was.
/// </summary>
public static class LinuxTunables
{
    public static IReadOnlyList<ITunable> All(TuningRoots roots) =>
    [
        new SysctlTunable("net.core.somaxconn", TunableScope.NetworkNamespace, "Upper bound of every listen backlog in a network namespace", new IntegerRange(128, 65535), roots),
        new SysctlTunable("net.ipv4.tcp_max_syn_backlog", TunableScope.NetworkNamespace, "Half-open connections a listener keeps per network namespace", new IntegerRange(128, 65535), roots),
        new SysctlTunable("net.ipv4.tcp_congestion_control", TunableScope.NetworkNamespace, "Congestion control of new connections in a network namespace", new NameChoices("cubic", "bbr", "reno", "htcp", "dctcp"), roots, "net.ipv4.tcp_available_congestion_control"),
        new SysctlTunable("vm.swappiness", TunableScope.System, "How readily anonymous memory is swapped rather than page cache dropped", new IntegerRange(0, 200), roots),
        new SysctlTunable("vm.dirty_ratio", TunableScope.System, "Percent of memory dirty before writers are throttled", new IntegerRange(5, 80), roots),
        new SysctlTunable("vm.dirty_background_ratio", TunableScope.System, "Percent of memory dirty before background writeback starts", new IntegerRange(1, 50), roots),
        new SysfsTunable("block.scheduler", "I/O scheduler of a block device", new NameChoices("none", "mq-deadline", "bfq", "kyber"), roots, device => device is null ? null : $"block/{device}/queue/scheduler", selector: true),
        new SysfsTunable("block.read_ahead_kb", "Read-ahead of a block device, KiB", new IntegerRange(0, 16384), roots, device => device is null ? null : $"block/{device}/queue/read_ahead_kb"),
        new SysfsTunable("mm.transparent_hugepage", "Transparent huge pages mode", new NameChoices("always", "madvise", "never"), roots, _ => "kernel/mm/transparent_hugepage/enabled", selector: true),
        new SysfsTunable("cpufreq.governor", "CPU frequency governor of one CPU", new NameChoices("performance", "powersave", "schedutil", "ondemand", "conservative"), roots,
            cpu => cpu is null ? null : $"devices/system/cpu/{cpu}/cpufreq/scaling_governor", offeredBy: cpu => $"devices/system/cpu/{cpu}/cpufreq/scaling_available_governors"),
        new SysfsTunable("cpufreq.energy_performance_preference", "Energy/performance preference of one CPU", new NameChoices("default", "performance", "balance_performance", "balance_power", "power"), roots,
            cpu => cpu is null ? null : $"devices/system/cpu/{cpu}/cpufreq/energy_performance_preference", offeredBy: cpu => $"devices/system/cpu/{cpu}/cpufreq/energy_performance_available_preferences"),
        new CgroupTunable("cpu.weight", "CPU weight of a cgroup against its siblings", new IntegerRange(1, 10000), roots),
        new CgroupTunable("memory.high", "Memory use above which a cgroup is throttled and reclaimed", new BytesOrMax(16L << 20), roots),
        new NiceTunable(roots),
        new PolicyTunable(roots),
        new AffinityTunable(roots),
    ];
}
