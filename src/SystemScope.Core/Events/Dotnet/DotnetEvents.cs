namespace SystemScope.Core.Events.Dotnet;

/// <summary>
/// One garbage collection of a .NET process, as its runtime reported it over EventPipe. The header's
/// timestamp is the collection's start (GCStart) and its duration runs to GCEnd; <see cref="PauseNs"/>
/// is the time managed threads were suspended for it (GCSuspendEEBegin → GCRestartEEEnd), 0 for a
/// background collection's concurrent part. Heap sizes are per generation (0, 1, 2, large, pinned
/// objects) after the collection; <see cref="BeforeBytes"/> is the heap before it (the previous
/// collection's sizes plus what was allocated since, as far as the runtime says).
/// </summary>
/// <param name="Number">The runtime's collection count (GC index).</param>
/// <param name="Generation">The generation collected (0, 1, 2).</param>
/// <param name="Reason">Why: <c>alloc_small</c>, <c>induced</c>, <c>low_memory</c> … (the runtime's GC reason).</param>
/// <param name="Type"><c>blocking</c>, <c>background</c> or <c>foreground</c> (blocking during a background GC).</param>
/// <param name="SizesAfter">Heap bytes after the collection per generation: 0, 1, 2, LOH, POH.</param>
/// <param name="PromotedBytes">Bytes that survived (promoted) per generation: 0, 1, 2, LOH, POH.</param>
/// <param name="FragmentationBytes">Free space inside the heap after the collection (GCGlobalHeapHistory), -1 when not reported.</param>
public readonly record struct DotnetGc(
    long Number,
    int Generation,
    string Reason,
    string Type,
    long PauseNs,
    long BeforeBytes,
    ReadOnlyMemory<long> SizesAfter,
    ReadOnlyMemory<long> PromotedBytes,
    long FragmentationBytes)
{
    public static readonly EventKind Kind = EventKind.Register("dotnet.gc", Layer.Runtime);

    /// <summary>Heap after the collection, all generations.</summary>
    public long AfterBytes
    {
        get
        {
            long sum = 0;
            foreach (var size in SizesAfter.Span)
            {
                sum += size;
            }

            return sum;
        }
    }
}

/// <summary>
/// One allocation sample (AllocationTick: the runtime reports one about every 100 KB allocated per
/// heap), with the type of the object that crossed the threshold and the allocating thread's managed
/// stack (raw return addresses, leaf first).
/// </summary>
/// <param name="Bytes">Bytes allocated since the previous sample (what this sample stands for).</param>
/// <param name="Large">Whether the sample was on the large object heap.</param>
public readonly record struct DotnetAllocation(string TypeName, long Bytes, bool Large, ReadOnlyMemory<ulong> Stack)
{
    public static readonly EventKind Kind = EventKind.Register("dotnet.allocation", Layer.Runtime);
}

/// <summary>A method the JIT compiled: the header's duration is the compile time (JittingStarted → MethodLoad), 0 when unknown.</summary>
/// <param name="Method"><c>Namespace.Type::Name</c>.</param>
/// <param name="Tier"><c>tier0</c>, <c>tier1</c>, <c>tier1-osr</c>, <c>optimized</c>, <c>minopts</c>, <c>instrumented</c> …</param>
public readonly record struct DotnetJit(string Method, string Tier, ulong CodeStart, int CodeSize)
{
    public static readonly EventKind Kind = EventKind.Register("dotnet.jit", Layer.Runtime);
}

/// <summary>
/// A thread waited for a managed lock (ContentionStart → ContentionStop on the header's thread): the
/// header's duration is the wait. <see cref="Stack"/> is the waiting thread's managed stack; the owner
/// is the thread that held the lock when the wait began (.NET 8+; 0 when not reported).
/// </summary>
public readonly record struct DotnetContention(ulong LockId, long OwnerThreadId, ReadOnlyMemory<ulong> Stack)
{
    public static readonly EventKind Kind = EventKind.Register("dotnet.contention", Layer.Runtime);
}

/// <summary>What the thread pool's hill climbing did: a new worker count and why (<c>warmup</c>, <c>starvation</c>, <c>climbing_move</c> …), or a worker count change.</summary>
/// <param name="Workers">Worker threads now (active, for start/stop events; the new target for adjustments).</param>
/// <param name="Reason">Why, for adjustments; <c>started</c>/<c>stopped</c>/<c>waiting</c> for worker changes.</param>
/// <param name="Throughput">Completions per second hill climbing measured (adjustments), else 0.</param>
public readonly record struct DotnetThreadPool(int Workers, string Reason, double Throughput)
{
    public static readonly EventKind Kind = EventKind.Register("dotnet.threadpool", Layer.Runtime);
}

/// <summary>
/// An exception thrown (first chance). The message is carried only when the source's option asks for
/// it (it may hold user data); <see cref="Stack"/> starts at the throwing method.
/// </summary>
public readonly record struct DotnetException(string TypeName, string Message, ReadOnlyMemory<ulong> Stack)
{
    public static readonly EventKind Kind = EventKind.Register("dotnet.exception", Layer.Runtime);
}

/// <summary>One runtime counter's value over its interval (System.Runtime: <c>cpu-usage</c>, <c>gc-heap-size</c>, <c>threadpool-queue-length</c> …).</summary>
/// <param name="Name">The counter's name.</param>
/// <param name="Title">Its display name with units.</param>
/// <param name="Value">The mean over the interval, or for rate counters the increment per second.</param>
public readonly record struct DotnetCounter(string Name, string Title, double Value)
{
    public static readonly EventKind Kind = EventKind.Register("dotnet.counter", Layer.Runtime);
}

/// <summary>
/// The runtime stream of one process started or ended (the header's pid): ended because the process
/// exited, the session stopped, or the stream broke (<see cref="Detail"/> says which); events the
/// runtime dropped (full buffers) are counted in <see cref="EventsLost"/>.
/// </summary>
public readonly record struct DotnetStream(bool Started, string RuntimeVersion, string Detail, long EventsLost)
{
    public static readonly EventKind Kind = EventKind.Register("dotnet.stream", Layer.Runtime);
}

/// <summary>The dotnet source's spans on the thread timeline (<see cref="Activity.ActivitySpan"/>): GC pauses (category <c>gc</c>), lock waits (<c>lock</c>), exceptions (<c>exception</c>, instants).</summary>
public static class DotnetSpans
{
    public static readonly EventKind Kind = EventKind.Register("dotnet.span", Layer.Runtime);
}
