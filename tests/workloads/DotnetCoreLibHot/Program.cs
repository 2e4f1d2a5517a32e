using System.Globalization;

namespace DotnetCoreLibHot;

/// <summary>
/// Hashes one large string over and over with <see cref="string.GetHashCode()"/> (the framework's
/// Marvin hash, precompiled in System.Private.CoreLib) until standard input closes or the optional
/// duration (seconds, first argument) elapses. Prints its pid and then a ready line.
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        var seconds = 0.0;
        if (args.Length > 0 && !double.TryParse(args[0], NumberStyles.Float, CultureInfo.InvariantCulture, out seconds))
        {
            Console.Error.WriteLine($"duration '{args[0]}' is not a number of seconds");
            return 2;
        }

        using var stop = new CancellationTokenSource();
        if (seconds > 0)
        {
            stop.CancelAfter(TimeSpan.FromSeconds(seconds));
        }

        // Standard input closing ends the run, so a test never leaves a spinner behind.
        var watcher = new Thread(() =>
        {
            while (Console.In.ReadLine() is not null)
            {
            }

            stop.Cancel();
        }) { IsBackground = true, Name = "stdin" };

        var text = new string('x', 8 * 1024 * 1024);
        var total = text.GetHashCode();
        Console.WriteLine($"pid {Environment.ProcessId}");
        Console.WriteLine("ready");
        Console.Out.Flush();
        watcher.Start();

        while (!stop.IsCancellationRequested)
        {
            total ^= text.GetHashCode();
        }

        Console.WriteLine($"done {total}");
        return 0;
    }
}
