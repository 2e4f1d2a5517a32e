using System.Diagnostics;
using System.Globalization;

namespace SystemScope.Kernel.Tests.Infrastructure;

/// <summary>A running workload: its pid, what it printed about itself, its mappings. Killed on dispose.</summary>
public sealed class WorkloadProcess : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly Dictionary<string, string> _info = new(StringComparer.Ordinal);

    private WorkloadProcess(Process process, string binary)
    {
        _process = process;
        BinaryPath = binary;
    }

    public int Pid => _process.Id;

    public string BinaryPath { get; }

    public bool HasExited => _process.HasExited;

    public static WorkloadProcess Start(string binary, IReadOnlyList<string> args, bool readInfoLine, string? fileName = null)
    {
        var start = new ProcessStartInfo(fileName ?? binary)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {binary}");
        var workload = new WorkloadProcess(process, binary);
        if (readInfoLine)
        {
            var line = workload.ReadLine() ?? throw new InvalidOperationException($"{binary} exited before saying who it is");
            foreach (var pair in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0)
                {
                    workload._info[pair[..eq]] = pair[(eq + 1)..];
                }
            }
        }

        return workload;
    }

    public string Info(string key) =>
        _info.TryGetValue(key, out var value) ? value : throw new KeyNotFoundException($"workload did not print {key}=");

    public ulong Address(string key)
    {
        var text = Info(key);
        return ulong.Parse(text.StartsWith("0x", StringComparison.Ordinal) ? text[2..] : text, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
    }

    public string? ReadLine()
    {
        var line = _process.StandardOutput.ReadLineAsync();
        return line.Wait(StartTimeout) ? line.Result : throw new TimeoutException($"{BinaryPath} printed nothing within {StartTimeout}");
    }

    public void WriteLine(string line)
    {
        _process.StandardInput.WriteLine(line);
        _process.StandardInput.Flush();
    }

    /// <summary>Waits for the workload to finish by itself (a safety net, not a measurement).</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            throw new TimeoutException($"{BinaryPath} (pid {Pid}) still runs after {timeout}");
        }

        return _process.ExitCode;
    }

    /// <summary>Executable mappings of the process (start, end, path), from /proc/PID/maps.</summary>
    public IReadOnlyList<(ulong Start, ulong End, string Path)> ExecutableMappings()
    {
        var result = new List<(ulong, ulong, string)>();
        foreach (var line in File.ReadLines($"/proc/{Pid}/maps"))
        {
            var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2 || fields[1][2] != 'x')
            {
                continue;
            }

            var dash = fields[0].IndexOf('-', StringComparison.Ordinal);
            result.Add((
                ulong.Parse(fields[0][..dash], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                ulong.Parse(fields[0][(dash + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                fields.Length > 5 ? fields[5].Trim() : string.Empty));
        }

        return result;
    }

    /// <summary>The executable text range of the workload's own binary (PIE: wherever it was loaded).</summary>
    public (ulong Start, ulong End) TextRange()
    {
        var full = Path.GetFullPath(BinaryPath);
        foreach (var (start, end, path) in ExecutableMappings())
        {
            if (path == full)
            {
                return (start, end);
            }
        }

        throw new InvalidOperationException($"no executable mapping of {full} in pid {Pid}");
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
            // already gone
        }

        _process.Dispose();
    }
}
