using System.Globalization;
using SystemScope.Sources.Processes;

namespace SystemScope.Kernel.Tests.Infrastructure;

/// <summary>
/// A cgroup v2 the test creates under the cgroup2 mount (found in /proc/self/mountinfo), with a
/// child cgroup inside, and removes again: dispose it after the processes moved into it have exited.
/// </summary>
internal sealed class TestCgroup : IDisposable
{
    private TestCgroup(string mountPoint, string name)
    {
        MountPoint = mountPoint;
        Path = "/" + name;
        Directory.CreateDirectory(FullPath(Path));
        Directory.CreateDirectory(FullPath(ChildPath));
    }

    public string MountPoint { get; }

    /// <summary>The cgroup's path relative to the hierarchy's root: <c>/systemscope-test-…</c>.</summary>
    public string Path { get; }

    /// <summary>A cgroup inside it, where processes are moved: the filter names the parent.</summary>
    public string ChildPath => Path + "/inner";

    public static TestCgroup Create()
    {
        var mount = CgroupFs.FindMount("/proc/self/mountinfo") ?? throw new InvalidOperationException("no cgroup2 mount in /proc/self/mountinfo");
        Assert.Equal("/", mount.Root);
        return new TestCgroup(mount.MountPoint, $"systemscope-test-{Environment.ProcessId}-{Guid.NewGuid():N}"[..40]);
    }

    public string FullPath(string path) => MountPoint + path;

    /// <summary>Moves a process (all its threads) into the child cgroup.</summary>
    public void Move(int pid) =>
        File.WriteAllText(System.IO.Path.Combine(FullPath(ChildPath), "cgroup.procs"), pid.ToString(CultureInfo.InvariantCulture));

    public void Dispose()
    {
        // A cgroup can be removed once its last process is reaped, which follows its exit closely.
        foreach (var path in new[] { ChildPath, Path })
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    Directory.Delete(FullPath(path));
                    break;
                }
                catch (IOException) when (attempt < 100)
                {
                    Thread.Sleep(50);
                }
            }
        }
    }
}
