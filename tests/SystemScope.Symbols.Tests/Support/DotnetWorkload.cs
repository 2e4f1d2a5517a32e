using System.Diagnostics;
using System.Globalization;
using System.Reflection;

namespace SystemScope.Symbols.Tests.Support;

/// <summary>
/// The DotnetHotLoop workload running under the JIT, either plainly or in its own mount and pid
/// namespaces with a private /tmp (as in a container). Closing stdin ends it.
/// </summary>
internal sealed class DotnetWorkload : IDisposable
{
    public const string HotMethod = "DotnetHotLoop.HotLoop::SpinInHotMethod(int32)";

    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    private readonly Process _process;

    private readonly bool _isolated;

    private DotnetWorkload(Process process, int pid, int namespacePid, bool isolated)
    {
        _process = process;
        _isolated = isolated;
        Pid = pid;
        NamespacePid = namespacePid;
    }

    /// <summary>The pid of the .NET process as this test sees it.</summary>
    public int Pid { get; }

    /// <summary>The pid the process sees for itself (in its own pid namespace).</summary>
    public int NamespacePid { get; }

    /// <summary>Where its perf map is, seen from here.</summary>
    public string PerfMapPath => $"/proc/{Pid}/root/tmp/perf-{NamespacePid}.map";

    public static string AssemblyPath =>
        typeof(DotnetWorkload).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "DotnetHotLoopPath").Value!;

    /// <param name="isolated">Run under <c>unshare --mount --pid --fork --mount-proc</c> with a tmpfs on /tmp.</param>
    /// <param name="environment">Extra variables for the workload.</param>
    public static DotnetWorkload Start(bool isolated, params (string Name, string Value)[] environment)
    {
        Assert.True(File.Exists(AssemblyPath), $"the workload is built with the tests: {AssemblyPath} is missing");
        var info = isolated
            // The workload may itself live under /tmp (a checkout there), which the private tmpfs hides:
            // bind its directory to /mnt first (inside the new mount namespace only) and start it there.
            ? new ProcessStartInfo("unshare")
            {
                ArgumentList = { "--mount", "--pid", "--fork", "--mount-proc", "sh", "-c", "mount --bind \"$0\" /mnt && mount -t tmpfs none /tmp && exec dotnet \"/mnt/$1\"", Path.GetDirectoryName(AssemblyPath)!, Path.GetFileName(AssemblyPath) },
            }
            : new ProcessStartInfo("dotnet") { ArgumentList = { AssemblyPath } };
        info.RedirectStandardInput = true;
        info.RedirectStandardOutput = true;
        info.UseShellExecute = false;
        foreach (var name in info.Environment.Keys.Where(k => k.Contains("PerfMap", StringComparison.OrdinalIgnoreCase) || k.EndsWith("EnableDiagnostics", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start the .NET workload");
        try
        {
            ReadUntil(process, "ready", out var lines);
            var ownPid = int.Parse(lines.Single(l => l.StartsWith("pid ", StringComparison.Ordinal))[4..], CultureInfo.InvariantCulture);
            var pid = isolated ? ChildOf(process.Id) : process.Id;
            return new DotnetWorkload(process, pid, ownPid, isolated);
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    public string ReadUntil(string prefix) => ReadUntil(_process, prefix, out _);

    public void Send(string line)
    {
        _process.StandardInput.WriteLine(line);
        _process.StandardInput.Flush();
    }

    public void Dispose()
    {
        try
        {
            _process.StandardInput.Close();
            if (!_process.WaitForExit(Limit))
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();

        // The runtime leaves its perf map behind; an isolated /tmp went away with its namespace.
        if (!_isolated)
        {
            File.Delete($"/tmp/perf-{Pid}.map");
            File.Delete($"/tmp/perfinfo-{Pid}.map");
            File.Delete($"/tmp/jit-{Pid}.dump");
        }
    }

    private static string ReadUntil(Process process, string prefix, out List<string> lines)
    {
        lines = [];
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var pending = process.StandardOutput.ReadLineAsync();
            if (!pending.Wait(Limit - clock.Elapsed) || pending.Result is null)
            {
                throw new InvalidOperationException($"the .NET workload ended or went silent before '{prefix}' (so far: {string.Join(" | ", lines)})");
            }

            lines.Add(pending.Result);
            if (pending.Result.StartsWith(prefix, StringComparison.Ordinal))
            {
                return pending.Result;
            }
        }
    }

    // unshare --fork runs the command as its only child: that child exec'd into dotnet.
    private static int ChildOf(int pid)
    {
        var children = File.ReadAllText($"/proc/{pid}/task/{pid}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return int.Parse(Assert.Single(children), CultureInfo.InvariantCulture);
    }
}
