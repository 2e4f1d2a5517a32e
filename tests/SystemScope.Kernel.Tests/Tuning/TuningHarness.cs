using System.Diagnostics;
using System.Text.Json;
using SystemScope.Kernel.Tests.EndToEnd;
using SystemScope.Kernel.Tests.Infrastructure;

namespace SystemScope.Kernel.Tests.Tuning;

/// <summary>The binary's advise and tune commands with a journal of the test's own (never the machine's).</summary>
internal sealed class TuningCli : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("systemscope-tuning-").FullName;

    public string JournalPath => Path.Combine(_directory, "journal.json");

    public CliResult Run(TimeSpan timeout, params string[] args)
    {
        var start = Start(args);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"systemscope {string.Join(' ', args)} still ran after {timeout}; stderr: {stderr.Result}");
        }

        process.WaitForExit();
        return new CliResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Starts the binary and returns at once (to kill it mid-action).</summary>
    public Process StartBackground(params string[] args) => Process.Start(Start(args))!;

    /// <summary><c>advise --format json</c>, parsed.</summary>
    public JsonElement Advise(int seconds, params string[] extra)
    {
        var result = Run(TimeSpan.FromSeconds(seconds + 120), ["advise", "--duration", seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), "--format", "json", .. extra]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return JsonDocument.Parse(result.Stdout).RootElement.Clone();
    }

    /// <summary>The journal's actions as the file holds them.</summary>
    public JsonElement[] Journal() =>
        File.Exists(JournalPath) ? [.. JsonDocument.Parse(File.ReadAllText(JournalPath)).RootElement.GetProperty("actions").EnumerateArray().Select(e => e.Clone())] : [];

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private ProcessStartInfo Start(string[] args)
    {
        Assert.True(File.Exists(AgentBinary.Path), $"{AgentBinary.Path} is not built: run 'make build'");
        var start = new ProcessStartInfo(AgentBinary.Path) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["SYSTEMSCOPE_TUNING_JOURNAL"] = JournalPath;
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return start;
    }
}

/// <summary>A network namespace the test creates (loopback up) and deletes, with its processes gone.</summary>
internal sealed class TestNetns : IDisposable
{
    public TestNetns()
    {
        Name = $"ss-tune-{Environment.ProcessId}-{Random.Shared.Next(100000)}";
        Shell.Run("ip", "netns", "add", Name);
        Exec("ip", "link", "set", "lo", "up");
    }

    public string Name { get; }

    public string Exec(params string[] command) => Shell.Run(["ip", "netns", "exec", Name, .. command]);

    public string Sysctl(string name) => Exec("cat", "/proc/sys/" + name.Replace('.', '/')).Trim();

    public void SetSysctl(string name, string value) => Exec("sysctl", "-qw", $"{name}={value}");

    /// <summary>Starts a workload inside the namespace (<c>ip netns exec</c> execs it: the pid is the workload's).</summary>
    public WorkloadProcess Start(string binary, params string[] args) =>
        WorkloadProcess.Start(binary, ["netns", "exec", Name, binary, .. args], readInfoLine: true, fileName: "ip");

    public void Dispose() => Shell.Run("ip", "netns", "delete", Name);
}

internal static class Shell
{
    public static string Run(params string[] command)
    {
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in command.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{string.Join(' ', command)} failed ({process.ExitCode}): {stderr.Result}");
        return stdout.Result;
    }
}

/// <summary>
/// A CPU cgroup with the largest weight, so the test's processes compete with each other as on an idle
/// machine while other work runs beside them (cgroup v1's cpu controller, as on this machine's hybrid
/// layout, or v2's cpu.weight); removed on dispose, after its processes have gone.
/// </summary>
internal sealed class HeavyCpuGroup : IDisposable
{
    private readonly string _path;
    private readonly List<int> _members = [];

    public HeavyCpuGroup()
    {
        var v1 = "/sys/fs/cgroup/cpu";
        var name = $"systemscope-tune-{Environment.ProcessId}-{Random.Shared.Next(100000)}";
        if (File.Exists(Path.Combine(v1, "cpu.shares")))
        {
            _path = Path.Combine(v1, name);
            Directory.CreateDirectory(_path);
            File.WriteAllText(Path.Combine(_path, "cpu.shares"), "262144");
        }
        else
        {
            var mount = SystemScope.Sources.Processes.CgroupFs.FindMount("/proc/self/mountinfo")?.MountPoint ?? throw new InvalidOperationException("no cgroup2 mount");
            _path = Path.Combine(mount, name);
            Directory.CreateDirectory(_path);
            File.WriteAllText(Path.Combine(_path, "cpu.weight"), "10000");
        }
    }

    public void Add(int pid)
    {
        File.WriteAllText(Path.Combine(_path, "cgroup.procs"), pid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        _members.Add(pid);
    }

    public void Dispose()
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                Directory.Delete(_path);
                return;
            }
            catch (IOException) when (attempt < 100)
            {
                Thread.Sleep(50);
            }
        }
    }
}
