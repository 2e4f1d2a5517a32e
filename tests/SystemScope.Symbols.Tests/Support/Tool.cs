using System.Diagnostics;

namespace SystemScope.Symbols.Tests.Support;

/// <summary>Runs a build tool (gcc, objcopy, strip, nm …) to completion and fails the test with its output if it fails.</summary>
internal static class Tool
{
    public static string Run(string program, params string[] arguments) => RunIn(null, program, arguments);

    public static string RunIn(string? directory, string program, params string[] arguments) => RunCore(directory, [], program, arguments);

    public static string RunWith((string Name, string Value)[] environment, string program, params string[] arguments) => RunCore(null, environment, program, arguments);

    private static string RunCore(string? directory, (string Name, string Value)[] environment, string program, string[] arguments)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = directory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {program}");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {stderr.Result}{stdout}");
        }

        return stdout;
    }
}
