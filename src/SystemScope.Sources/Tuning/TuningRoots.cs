namespace SystemScope.Sources.Tuning;

/// <summary>
/// Where tunables live: /proc, /sys and the cgroup v2 mount, and how a network namespace is entered.
/// Tests point these at a fake tree (and enter no namespace) to exercise every read, write and restore.
/// </summary>
public sealed record TuningRoots(string Proc, string Sys, string? CgroupMount, INetworkNamespaces Namespaces)
{
    public static TuningRoots Live() => new("/proc", "/sys", Processes.CgroupFs.FindMount("/proc/self/mountinfo")?.MountPoint, new LinuxNetworkNamespaces("/proc"));

    public string ProcessDirectory(int pid) => Path.Combine(Proc, pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
}
