namespace SystemScope.Kernel.Tests.Dotnet;

/// <summary>
/// What the workload is told to do in the reader tests, and the checks that the decoded stream shows
/// exactly that: the same script for the live session and for the golden file it recorded.
/// </summary>
internal static class KnownTruth
{
    public const int InducedGcs = 3;
    public const int ContentionRounds = 4;
    public const int HoldMs = 100;
    public const int AllocatedMiB = 24;
    public const int Exceptions = 5;
    public const string AllocatedType = "DotnetRuntimeEvents.KnownAllocation";
    public const string ExceptionType = "DotnetRuntimeEvents.KnownFailure";

    /// <summary>Runs the script; returns the lock wait (ms) the workload measured.</summary>
    public static double Run(RuntimeEventsWorkload workload)
    {
        Assert.Equal(InducedGcs, workload.Do($"gc {InducedGcs}", "collected"));
        var waited = workload.Do($"contend {ContentionRounds} {HoldMs}", "contended");
        Assert.True(workload.Do($"alloc {AllocatedMiB}", "allocated") > 0);
        Assert.Equal(Exceptions, workload.Do($"throw {Exceptions}", "thrown"));
        return waited;
    }

    public static void Check(DecodedTrace trace, double waitedMs)
    {
        var context = trace.ToString();
        Assert.True(trace.Malformed == 0, context);

        // Exactly the induced collections, each with a pause and heap sizes.
        var induced = trace.Gcs.Where(g => g.Payload.Reason == "induced").ToList();
        Assert.True(induced.Count == InducedGcs, context);
        Assert.All(induced, g =>
        {
            Assert.True(g.Payload.PauseNs > 0, $"GC #{g.Payload.Number} without a pause: {context}");
            Assert.Equal(2, g.Payload.Generation);
            Assert.Equal("blocking", g.Payload.Type);
            Assert.True(g.Payload.AfterBytes > 0, $"GC #{g.Payload.Number} without heap sizes");
        });
        Assert.Contains(trace.Spans, s => s.Payload.Category == "gc" && s.Payload.Detail.Contains("induced", StringComparison.Ordinal));

        // Contention: one wait per round for the lock the main thread (the one that threw) held, their
        // total what the waiting threads measured (±10 %). The runtime's own threads may contend too.
        var main = trace.Exceptions.First(e => e.Payload.TypeName == ExceptionType).Header.Tid;
        var waits = trace.Contentions.Where(c => c.Payload.OwnerThreadId == main).ToList();
        Assert.True(waits.Count == ContentionRounds, $"{waits.Count} waits for the main thread's lock: {context}");
        var totalMs = waits.Sum(c => c.Header.DurationNs) / 1e6;
        Assert.InRange(totalMs, waitedMs * 0.9, waitedMs * 1.1);
        Assert.All(waits, c => Assert.False(c.Payload.Stack.IsEmpty, "a lock wait without its stack"));

        // Allocation samples: the known type leads by bytes, with stacks.
        var byType = trace.Allocations.GroupBy(a => a.Payload.TypeName).Select(g => (Type: g.Key, Bytes: g.Sum(a => a.Payload.Bytes))).OrderByDescending(t => t.Bytes).ToList();
        Assert.True(byType.Count > 0, context);
        Assert.True(byType[0].Type == AllocatedType, context);
        Assert.InRange(byType[0].Bytes, AllocatedMiB * (1L << 20) * 8 / 10, AllocatedMiB * (1L << 20) * 12 / 10);
        Assert.All(trace.Allocations.Take(20), a => Assert.False(a.Payload.Stack.IsEmpty, "an allocation sample without its stack"));

        // Exceptions: the known type, as many as thrown, never the message.
        var known = trace.Exceptions.Where(e => e.Payload.TypeName == ExceptionType).ToList();
        Assert.Equal(Exceptions, known.Count);
        Assert.All(known, e => Assert.Equal(string.Empty, e.Payload.Message));

        // Methods jitted on command, with a tier.
        Assert.Contains(trace.Jits, j => j.Payload.Method == "DotnetRuntimeEvents.Thrower::Fail" && j.Payload.Tier.Length > 0);
        Assert.Contains(trace.Counters, c => c.Payload.Name == "gc-heap-size");
    }
}
