using System.Globalization;
using SystemScope.Sources.Processes;

namespace SystemScope.Kernel.Tests.Memory;

/// <summary>
/// A memory cgroup the test creates with a limit, on whichever hierarchy the memory controller is
/// attached to (cgroup2 when its root lists the controller, else the v1 memory mount beside it, as
/// here), and removes again once its processes have exited. The limit keeps an allocation storm inside
/// it: the OOM killer acts on the cgroup, never on the system.
/// </summary>
internal sealed class MemoryCgroup : IDisposable
{
    private readonly string _directory;

    private MemoryCgroup(string mountPoint, string name, long limitBytes)
    {
        Name = name;
        _directory = Path.Combine(mountPoint, name);
        Directory.CreateDirectory(_directory);
        V2 = File.Exists(Path.Combine(_directory, "memory.max"));
        File.WriteAllText(Path.Combine(_directory, V2 ? "memory.max" : "memory.limit_in_bytes"), limitBytes.ToString(CultureInfo.InvariantCulture));
        if (V2 && File.Exists(Path.Combine(_directory, "memory.swap.max")))
        {
            File.WriteAllText(Path.Combine(_directory, "memory.swap.max"), "0");
        }
    }

    /// <summary>Its path below the hierarchy's root: <c>/systemscope-oom-…</c>.</summary>
    public string CgroupPath => "/" + Name;

    public string Name { get; }

    public bool V2 { get; }

    public static MemoryCgroup Create(long limitBytes)
    {
        var mount = CgroupFs.FindControllerMount("/proc/self/mountinfo", "memory") ?? throw new InvalidOperationException("no hierarchy with the memory controller in /proc/self/mountinfo");
        Assert.Equal("/", mount.Root);
        return new MemoryCgroup(mount.MountPoint, $"systemscope-oom-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40], limitBytes);
    }

    public void Move(int pid) => File.WriteAllText(Path.Combine(_directory, "cgroup.procs"), pid.ToString(CultureInfo.InvariantCulture));

    public void Dispose()
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                Directory.Delete(_directory);
                return;
            }
            catch (IOException) when (attempt < 100)
            {
                Thread.Sleep(50);
            }
        }
    }
}
