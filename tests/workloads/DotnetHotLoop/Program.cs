using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace DotnetHotLoop;

/// <summary>
/// Burns CPU in <see cref="HotLoop.SpinInHotMethod"/> until standard input closes or the optional
/// duration (seconds, first argument) elapses. Prints its pid and then a ready line. The line
/// "jit first" (or "jit second") on standard input calls a method never called before, so that it is
/// jitted at that moment, and answers "jitted first" (or "jitted second").
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
        var commands = new Thread(() => Listen(stop)) { IsBackground = true, Name = "commands" };

        // Run the hot method once before saying ready so that it is already jitted.
        HotLoop.SpinInHotMethod(1_000);
        Console.WriteLine($"pid {Environment.ProcessId}");
        Console.WriteLine("ready");
        Console.Out.Flush();
        commands.Start();

        var total = 0L;
        while (!stop.IsCancellationRequested)
        {
            total += HotLoop.SpinInHotMethod(1_000_000);
        }

        Console.WriteLine($"done {total}");
        return 0;
    }

    private static void Listen(CancellationTokenSource stop)
    {
        try
        {
            while (Console.In.ReadLine() is { } line)
            {
                var answer = line.Trim() switch
                {
                    "jit first" => $"jitted first {ColdPaths.First(3)}",
                    "jit second" => $"jitted second {ColdPaths.Second(4)}",
                    _ => $"unknown command '{line}'",
                };
                Console.WriteLine(answer);
                Console.Out.Flush();
            }
        }
        finally
        {
            stop.Cancel();
        }
    }
}

internal static class HotLoop
{
    /// <summary>A loop the JIT cannot remove or inline: it is what the profile must show.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long SpinInHotMethod(int iterations)
    {
        var x = (ulong)Stopwatch.GetTimestamp() | 1;
        for (var i = 0; i < iterations; i++)
        {
            // xorshift: cheap, data dependent, not foldable.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
        }

        return (long)(x & 0xFFFF);
    }
}

/// <summary>Methods called only on command: each is jitted when its command arrives.</summary>
internal static class ColdPaths
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int First(int x) => (x * 31) + 7;

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int Second(int x) => (x * 37) + 11;
}
