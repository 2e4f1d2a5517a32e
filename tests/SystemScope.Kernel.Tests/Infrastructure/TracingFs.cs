using System.Diagnostics;

namespace SystemScope.Kernel.Tests.Infrastructure;

/// <summary>
/// The kernel's tracing file system at /sys/kernel/tracing, which a fresh machine may not have mounted:
/// reference tools that attach classic tracepoints (syscount, tcplife) need it.
/// </summary>
public static class TracingFs
{
    private const string Root = "/sys/kernel/tracing";

    public static void EnsureMounted()
    {
        if (!Directory.Exists(Root + "/events"))
        {
            Run("mount", "-t", "tracefs", "nodev", Root);
        }
    }

    public static void Unmount()
    {
        // Lazily: a tool still holding a file there keeps its view, new lookups see it gone.
        while (Directory.Exists(Root + "/events"))
        {
            Run("umount", "-l", Root);
        }
    }

    private static void Run(string program, params string[] args)
    {
        using var process = Process.Start(program, args);
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', args)}: exit {process.ExitCode}");
    }
}
