using SystemScope.Sources.Accel;

namespace SystemScope.Kernel.Tests.Accel;

/// <summary>
/// The live DRM path on a stand-in /proc: fd links to device nodes (dangling here, as they would be
/// read through /proc), fdinfo text as the drivers print it, duplicated fds of one client, a node
/// outside /dev/dri found by its major number, and processes that vanish or hold no device.
/// </summary>
public sealed class DrmFdScannerTests : IDisposable
{
    private const string Amdgpu = "pos:\t0\nflags:\t02100002\ndrm-driver:\tamdgpu\ndrm-client-id:\t4\ndrm-pdev:\t0000:04:00.0\ndrm-memory-vram:\t44564 KiB\ndrm-engine-gfx:\t1000 ns\n";
    private const string I915 = "pos:\t0\ndrm-driver:\ti915\ndrm-pdev:\t0000:00:02.0\ndrm-client-id:\t7\ndrm-engine-render:\t9288864723 ns\n";
    private const string Amdxdna = "drm-driver:\tamdxdna_accel_driver\ndrm-pdev:\t0000:c4:00.1\ndrm-client-id:\t5\ndrm-engine-npu-amdxdna:\t7000000 ns\ndrm-total-memory:\t2048 KiB\n";

    private readonly string _root = Directory.CreateTempSubdirectory("systemscope-fakeproc-").FullName;

    public DrmFdScannerTests()
    {
        // 100: one amdgpu client through two fds (dup), an NPU, /dev/null, a socket.
        Process(100, "trainer", ("3", "/dev/dri/renderD128", Amdgpu), ("4", "/dev/dri/renderD128", Amdgpu), ("6", "/dev/accel/accel0", Amdxdna), ("0", "/dev/null", null), ("9", "socket:[123]", null));
        // 200: i915 through a node a container named otherwise (major 226).
        Process(200, "compositor", ("7", "/dev/gpu-in-container", I915));
        // 300: no device; 400: no fd directory (a kernel thread, or gone); 500: a DRM fd whose fdinfo has no stats.
        Process(300, "shell", ("1", "/dev/pts/0", null));
        Directory.CreateDirectory(Path.Combine(_root, "400"));
        Process(500, "old-driver", ("5", "/dev/dri/card0", "pos:\t0\nflags:\t02\n"));
    }

    [Fact]
    public void Finds_each_process_clients_once_by_client_id_and_reads_only_device_fds()
    {
        var scanner = new DrmFdScanner(_root, path => path.EndsWith("/7", StringComparison.Ordinal) ? (226u, 128u) : (1u, 3u));

        var readings = scanner.Scan(null, (_, _) => true).OrderBy(r => r.Pid).ToList();

        Assert.Equal([100, 200], readings.Select(r => r.Pid));
        var trainer = readings[0];
        Assert.Equal("trainer", trainer.Name);
        var amd = trainer.Clients.Single(c => c.Driver == "amdgpu");
        Assert.Equal(("0000:04:00.0", 4L, 2), (amd.Device, amd.ClientId, amd.Fds));
        Assert.Equal(1000, Assert.Single(amd.Engines).BusyNs);
        Assert.Equal(44564L * 1024, Assert.Single(amd.Regions).ResidentBytes);
        var npu = trainer.Clients.Single(c => c.Driver == "amdxdna_accel_driver");
        Assert.Equal(("npu-amdxdna", 7000000L), (npu.Engines[0].Name, npu.Engines[0].BusyNs));
        var compositor = Assert.Single(readings[1].Clients);
        Assert.Equal(("i915", "0000:00:02.0", 7L), (compositor.Driver, compositor.Device, compositor.ClientId));

        // Every fd link was looked at; only the five device fds were read.
        Assert.Equal(5, scanner.ProcessesScanned);
        Assert.Equal(8, scanner.FdLinksRead);
        Assert.Equal(5, scanner.DrmFdsRead);
        Assert.Equal(1, scanner.FdsWithoutStats);
    }

    [Fact]
    public void Given_pids_and_a_name_filter_only_those_are_read_and_a_missing_pid_is_no_error()
    {
        var scanner = new DrmFdScanner(_root, _ => (226u, 1u));

        var readings = scanner.Scan([200, 100, 999], (_, name) => name.StartsWith("comp", StringComparison.Ordinal));

        Assert.Equal(200, Assert.Single(readings).Pid);
        Assert.Equal(3, scanner.ProcessesScanned);
    }

    [Fact]
    public void A_node_outside_dev_dri_of_another_major_is_not_a_drm_device()
    {
        var scanner = new DrmFdScanner(_root, _ => (1u, 5u));

        Assert.Empty(scanner.DrmFds(200));
        Assert.Equal(3, scanner.DrmFds(100).Count);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Process(int pid, string comm, params (string Fd, string Target, string? Fdinfo)[] fds)
    {
        var directory = Path.Combine(_root, pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(Path.Combine(directory, "fd"));
        Directory.CreateDirectory(Path.Combine(directory, "fdinfo"));
        File.WriteAllText(Path.Combine(directory, "comm"), comm + "\n");
        foreach (var (fd, target, fdinfo) in fds)
        {
            File.CreateSymbolicLink(Path.Combine(directory, "fd", fd), target);
            File.WriteAllText(Path.Combine(directory, "fdinfo", fd), fdinfo ?? "pos:\t0\nflags:\t02\n");
        }
    }
}
