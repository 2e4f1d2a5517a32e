using SystemScope.Core.Events;
using SystemScope.Core.Options;
using SystemScope.Core.Sources;

namespace SystemScope.Sources.Dotnet;

/// <summary>The dotnet source: .NET runtime events (GC, allocations, JIT, locks, thread pool, exceptions, counters) over EventPipe, from processes already running.</summary>
public sealed class DotnetSourceProvider : ISourceProvider
{
    public static readonly BooleanOption Allocations = new(
        "allocations", "Sample allocations (AllocationTick, about one per 100 KB allocated) with their type and managed stack", true);

    public static readonly BooleanOption Stacks = new(
        "managedStacks", "Ask the runtime for the managed stack of allocations, lock waits and exceptions", true);

    public static readonly BooleanOption ExceptionMessages = new(
        "exceptionMessages", "Keep exception messages (they may hold user data; off: type and throwing method only)", false);

    public static readonly IntegerOption CounterInterval = new(
        "counterInterval", "System.Runtime counters every so many seconds (0: none)", 0, 60, 1, "s");

    internal static readonly SourceDescriptor SourceDescriptor = new(
        "dotnet",
        ".NET runtime",
        Layer.Runtime,
        "The .NET runtime's own events over EventPipe, from processes already running (no restart, no environment variable; containers through /proc/PID/root): each GC with its pause and heap sizes, allocation samples by type and managed stack, JIT compilations with tier and time, lock contention with the waiting stack and the owner, thread-pool changes, exceptions, and System.Runtime counters.")
    {
        Options = [Allocations, Stacks, ExceptionMessages, CounterInterval],
        FeedsTimeline = true,
    };

    public SourceDescriptor Descriptor => SourceDescriptor;

    /// <summary>Needs nothing from the kernel: each process says over its own diagnostic port whether it can be observed.</summary>
    public SourceAvailability Probe() => SourceAvailability.Yes("EventPipe over the .NET diagnostic port");

    public ISource Create(SourceContext context) => new DotnetSource(context, "/proc");
}
