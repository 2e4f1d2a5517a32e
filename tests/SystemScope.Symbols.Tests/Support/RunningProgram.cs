using System.Diagnostics;
using System.Globalization;

namespace SystemScope.Symbols.Tests.Support;

/// <summary>
/// A started test program: its pid and the addresses it printed ("name 0xADDRESS"). Closing stdin
/// ends it; dispose kills it if it did not end.
/// </summary>
public sealed class RunningProgram : IDisposable
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(60);

    private readonly Process _process;

    private RunningProgram(Process process)
    {
        _process = process;
    }

    public int Pid => _process.Id;

    public Dictionary<string, ulong> Addresses { get; } = new(StringComparer.Ordinal);

    public List<string> Lines { get; } = [];

    public bool HasExited => _process.HasExited;

    public static RunningProgram Start(string path, string libraryDirectory, params string[] arguments) =>
        Start(path, libraryDirectory, "ready", arguments);

    /// <summary>Starts a program and waits for a line starting with <paramref name="readyPrefix"/> (empty: no wait).</summary>
    public static RunningProgram Start(string path, string libraryDirectory, string readyPrefix, params string[] arguments)
    {
        var info = new ProcessStartInfo(path)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        info.Environment["LD_LIBRARY_PATH"] = libraryDirectory;
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var program = new RunningProgram(Process.Start(info) ?? throw new InvalidOperationException($"cannot start {path}"));
        if (readyPrefix.Length > 0)
        {
            program.ReadUntil(readyPrefix);
        }

        return program;
    }

    /// <summary>Reads output lines (recording addresses) until one starts with <paramref name="prefix"/>; returns it.</summary>
    public string ReadUntil(string prefix)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var pending = _process.StandardOutput.ReadLineAsync();
            if (!pending.Wait(StartLimit - deadline.Elapsed) || pending.Result is null)
            {
                throw new InvalidOperationException($"program {Pid} ended or went silent before printing '{prefix}' (so far: {string.Join(" | ", Lines)})");
            }

            var line = pending.Result;
            Lines.Add(line);
            var parts = line.Split(' ');
            if (parts.Length == 2 && parts[1].StartsWith("0x", StringComparison.Ordinal))
            {
                Addresses[parts[0]] = ulong.Parse(parts[1].AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            }

            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return line;
            }
        }
    }

    public void Send(string line)
    {
        _process.StandardInput.WriteLine(line);
        _process.StandardInput.Flush();
    }

    /// <summary>Closes stdin and waits for the program to exit.</summary>
    public void Stop()
    {
        _process.StandardInput.Close();
        if (!_process.WaitForExit(StartLimit))
        {
            _process.Kill();
            _process.WaitForExit();
        }
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
    }
}
