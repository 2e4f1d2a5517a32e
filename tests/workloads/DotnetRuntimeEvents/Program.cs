using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace DotnetRuntimeEvents;

/// <summary>
/// Prints its pid and "ready", then follows commands on standard input, one per line, answering each
/// when done (the amounts in the answer are what it did, measured here):
/// <c>gc N</c> → N induced collections (<c>GC.Collect()</c>), answers <c>collected N</c>;
/// <c>contend N MS</c> → N times, the main thread holds a lock for MS ms while a second thread waits
/// for it in <see cref="Contender.WaitForGate"/>, answers <c>contended TOTAL_MS</c> (the waiter's
/// measured wait); <c>alloc MB</c> → about MB MiB of <see cref="KnownAllocation"/> objects, answers
/// <c>allocated COUNT</c>; <c>throw N</c> → N <see cref="KnownFailure"/> exceptions thrown in
/// <see cref="Thrower.Fail"/> and caught, answers <c>thrown N</c>. Standard input closing ends it.
/// </summary>
internal static class Program
{
    private static int Main()
    {
        Console.WriteLine($"pid {Environment.ProcessId}");
        Console.WriteLine("ready");
        Console.Out.Flush();
        while (Console.In.ReadLine() is { } line)
        {
            var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var answer = words.Length == 0 ? "empty command" : words[0] switch
            {
                "gc" => $"collected {Collector.Collect(Argument(words, 1))}",
                "contend" => $"contended {Contender.Contend(Argument(words, 1), Argument(words, 2)).ToString("0.###", CultureInfo.InvariantCulture)}",
                "alloc" => $"allocated {Allocator.Allocate(Argument(words, 1))}",
                "throw" => $"thrown {Thrower.ThrowAndCatch(Argument(words, 1))}",
                _ => $"unknown command '{line}'",
            };
            Console.WriteLine(answer);
            Console.Out.Flush();
        }

        return 0;
    }

    private static int Argument(string[] words, int index) =>
        words.Length > index && int.TryParse(words[index], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : 1;
}

internal static class Collector
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static int Collect(int count)
    {
        for (var i = 0; i < count; i++)
        {
            GC.Collect();
        }

        return count;
    }
}

/// <summary>Contention of a known length: the waiter blocks while the holder sleeps inside the lock.</summary>
internal static class Contender
{
    private static readonly object Gate = new();

    public static double Contend(int rounds, int holdMs)
    {
        var waited = 0.0;
        for (var i = 0; i < rounds; i++)
        {
            using var holding = new ManualResetEventSlim();
            double roundWait = 0;
            var waiter = new Thread(() => roundWait = WaitForGate(holding)) { Name = "contender" };
            lock (Gate)
            {
                waiter.Start();
                holding.Wait();

                // Let the waiter reach the lock and block on it before the hold is timed.
                Thread.Sleep(holdMs);
            }

            waiter.Join();
            waited += roundWait;
        }

        return waited;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static double WaitForGate(ManualResetEventSlim holding)
    {
        holding.Set();
        var clock = Stopwatch.StartNew();
        lock (Gate)
        {
            return clock.Elapsed.TotalMilliseconds;
        }
    }
}

/// <summary>The one type allocated in bulk: it must lead the allocation graph.</summary>
internal sealed class KnownAllocation(long value)
{
    public long A { get; } = value;

    public long B { get; } = value + 1;

    public long C { get; } = value + 2;

    public long D { get; } = value + 3;
}

internal static class Allocator
{
    // Kept alive so that the allocations are not optimised away.
    private static KnownAllocation? _last;

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long Allocate(int mebibytes)
    {
        // 24 bytes of header and method table + 32 of fields: 56 bytes an object.
        var count = mebibytes * 1024L * 1024 / 56;
        for (var i = 0L; i < count; i++)
        {
            _last = new KnownAllocation(i);
        }

        return count + (_last is null ? 0 : 0);
    }
}

internal sealed class KnownFailure(string message) : Exception(message);

internal static class Thrower
{
    public static int ThrowAndCatch(int count)
    {
        var caught = 0;
        for (var i = 0; i < count; i++)
        {
            try
            {
                Fail(i);
            }
            catch (KnownFailure)
            {
                caught++;
            }
        }

        return caught;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Fail(int i) => throw new KnownFailure($"secret message {i}");
}
