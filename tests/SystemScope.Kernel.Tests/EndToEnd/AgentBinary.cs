using System.Diagnostics;
using System.Text;
using SystemScope.Kernel.Tests.Infrastructure;

namespace SystemScope.Kernel.Tests.EndToEnd;

/// <summary>
/// The published binary (out/systemscope, or SYSTEMSCOPE_BINARY): end-to-end tests run what users
/// run, NativeAOT and all, not the assemblies under test.
/// </summary>
public static class AgentBinary
{
    public static string Path =>
        Environment.GetEnvironmentVariable("SYSTEMSCOPE_BINARY") is { Length: > 0 } path
            ? path
            : System.IO.Path.Combine(RepoPaths.Root, "out", "systemscope");

    /// <summary>Why the test is skipped, or null when it runs (never skipped when kernel tests are required).</summary>
    public static string? SkipReason =>
        KernelRequirement.SkipReason ?? (File.Exists(Path) || KernelRequirement.IsRequired ? null : $"{Path} is not built: run 'make build'");

    public static CliResult Run(TimeSpan timeout, params string[] args) => Execute(Path, timeout, args);

    /// <summary>Starts the binary and leaves it running (to interrupt it, as Ctrl+C would).</summary>
    public static BackgroundRun StartBackground(params string[] args) => new(Path, args);

    /// <summary>Runs the binary as user nobody, as someone without privileges would.</summary>
    public static CliResult RunUnprivileged(TimeSpan timeout, params string[] args) =>
        Execute("setpriv", timeout, ["--reuid=65534", "--regid=65534", "--clear-groups", "--", Path, .. args]);

    private static CliResult Execute(string program, TimeSpan timeout, string[] args)
    {
        Assert.True(File.Exists(Path), $"{Path} is not built: run 'make build'");
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"systemscope {string.Join(' ', args)} still ran after {timeout}; stderr: {stderr.Result}");
        }

        return new CliResult(process.ExitCode, stdout.Result, stderr.Result);
    }
}

/// <summary>The binary running in the background, its output collected.</summary>
public sealed class BackgroundRun : IDisposable
{
    private readonly Process _process;
    private readonly Task<string> _stdout;
    private readonly Task<string> _stderr;
    private readonly System.Text.StringBuilder _stderrSoFar = new();

    public BackgroundRun(string path, string[] args)
    {
        var start = new ProcessStartInfo(path) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start)!;
        _stdout = _process.StandardOutput.ReadToEndAsync();
        _stderr = ReadStderr();
    }

    public bool HasExited => _process.HasExited;

    public string Stdout => _process.HasExited ? _stdout.Result : "(running)";

    public string Stderr => _process.HasExited ? _stderr.Result : "(running)";

    /// <summary>Waits until standard error has a line containing <paramref name="text"/> (a recorder saying it is attached).</summary>
    public void WaitForStderr(string text, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            lock (_stderrSoFar)
            {
                if (_stderrSoFar.ToString().Contains(text, StringComparison.Ordinal))
                {
                    return;
                }
            }

            Assert.False(_process.HasExited, $"exited before saying '{text}': {this}");
            Assert.True(clock.Elapsed < timeout, $"did not say '{text}' within {timeout}");
            Thread.Sleep(50);
        }
    }

    /// <summary>SIGINT, as Ctrl+C in a terminal sends.</summary>
    public void Interrupt()
    {
        using var kill = Process.Start("kill", ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail($"still running after {timeout}");
        }

        _process.WaitForExit();
        return _process.ExitCode;
    }

    private async Task<string> ReadStderr()
    {
        while (await _process.StandardError.ReadLineAsync() is { } line)
        {
            lock (_stderrSoFar)
            {
                _stderrSoFar.AppendLine(line);
            }
        }

        lock (_stderrSoFar)
        {
            return _stderrSoFar.ToString();
        }
    }

    public override string ToString() => $"exit {(_process.HasExited ? _process.ExitCode : -1)}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }
}

public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public string[] Lines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public override string ToString() => new StringBuilder().Append("exit ").Append(ExitCode).Append("\nstdout:\n").Append(Stdout).Append("\nstderr:\n").Append(Stderr).ToString();
}

/// <summary>A fact that runs the published binary as root.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AgentFactAttribute : FactAttribute
{
    public AgentFactAttribute()
    {
        if (AgentBinary.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

[AttributeUsage(AttributeTargets.Method)]
public sealed class AgentTheoryAttribute : TheoryAttribute
{
    public AgentTheoryAttribute()
    {
        if (AgentBinary.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}
