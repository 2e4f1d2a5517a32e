using System.Diagnostics;
using System.Globalization;
using System.Reflection;

namespace SystemScope.Kernel.Tests.Dotnet;

/// <summary>
/// The DotnetRuntimeEvents workload (tests/workloads): a .NET process, started without any diagnostic
/// or perf-map variable, that makes runtime events in known amounts on command.
/// </summary>
internal sealed class RuntimeEventsWorkload : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    private readonly Process _process;

    private RuntimeEventsWorkload(Process process)
    {
        _process = process;
        Pid = process.Id;
    }

    public static string AssemblyPath { get; } =
        typeof(RuntimeEventsWorkload).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "DotnetRuntimeEventsPath").Value!;

    public int Pid { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>
    /// Another build of the workload to run instead, a self-contained executable (for example published
    /// for net8.0 or net9.0, which bring their own runtime): the same tests then check older runtimes.
    /// </summary>
    public const string OtherRuntimeVariable = "SYSTEMSCOPE_DOTNET_WORKLOAD";

    /// <param name="environment">Extra variables (only for the bad-input tests: the known-truth tests set none).</param>
    public static RuntimeEventsWorkload Start(params (string Name, string Value)[] environment)
    {
        var other = Environment.GetEnvironmentVariable(OtherRuntimeVariable);
        var info = other is { Length: > 0 }
            ? new ProcessStartInfo(other)
            : new ProcessStartInfo("dotnet") { ArgumentList = { AssemblyPath } };
        Assert.True(other is { Length: > 0 } || File.Exists(AssemblyPath), $"the workload is built with the tests: {AssemblyPath} is missing");
        info.RedirectStandardInput = true;
        info.RedirectStandardOutput = true;
        info.UseShellExecute = false;
        foreach (var name in info.Environment.Keys.Where(k => k.StartsWith("DOTNET_", StringComparison.Ordinal) && k != "DOTNET_ROOT" || k.StartsWith("COMPlus_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start the .NET workload");
        var workload = new RuntimeEventsWorkload(process);
        workload.ReadUntil("ready");
        return workload;
    }

    /// <summary>Sends a command and returns the number its answer ends with (what was done, as measured by the workload).</summary>
    public double Do(string command, string answer)
    {
        _process.StandardInput.WriteLine(command);
        _process.StandardInput.Flush();
        var line = ReadUntil(answer);
        return double.Parse(line[(answer.Length + 1)..], CultureInfo.InvariantCulture);
    }

    /// <summary>Closes standard input: the workload exits.</summary>
    public void End()
    {
        _process.StandardInput.Close();
        Assert.True(_process.WaitForExit(Limit), "the workload did not exit after its input closed");
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
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
        File.Delete($"/tmp/perf-{Pid}.map");
        File.Delete($"/tmp/perfinfo-{Pid}.map");
    }

    private string ReadUntil(string prefix)
    {
        var clock = Stopwatch.StartNew();
        var lines = new List<string>();
        while (true)
        {
            var pending = _process.StandardOutput.ReadLineAsync();
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
}
