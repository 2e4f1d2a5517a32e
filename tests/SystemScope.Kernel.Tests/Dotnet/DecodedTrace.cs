using SystemScope.Core.Events;
using SystemScope.Core.Events.Activity;
using SystemScope.Core.Events.Dotnet;
using SystemScope.Sources.Dotnet;
using SystemScope.Sources.Dotnet.Nettrace;

namespace SystemScope.Kernel.Tests.Dotnet;

/// <summary>Everything the decoder made of one nettrace stream, collected for assertions.</summary>
internal sealed class DecodedTrace
{
    public List<Event<DotnetGc>> Gcs { get; } = [];

    public List<Event<DotnetAllocation>> Allocations { get; } = [];

    public List<Event<DotnetJit>> Jits { get; } = [];

    public List<Event<DotnetContention>> Contentions { get; } = [];

    public List<Event<DotnetThreadPool>> ThreadPool { get; } = [];

    public List<Event<DotnetException>> Exceptions { get; } = [];

    public List<Event<DotnetCounter>> Counters { get; } = [];

    public List<Event<ActivitySpan>> Spans { get; } = [];

    public long Malformed { get; private set; }

    public long EventsRead { get; private set; }

    public static DecodedTrace Read(Stream stream, int pid)
    {
        var decoder = new RuntimeEventDecoder(pid, messages: false);
        var reader = new NettraceReader(stream, decoder);
        reader.Read();
        decoder.Finish();
        var trace = new DecodedTrace { Malformed = decoder.Malformed, EventsRead = reader.Events };
        trace.Add(decoder.Take());
        return trace;
    }

    public void Add(RuntimeEvents events)
    {
        Gcs.AddRange(events.Gcs);
        Allocations.AddRange(events.Allocations);
        Jits.AddRange(events.Jits);
        Contentions.AddRange(events.Contentions);
        ThreadPool.AddRange(events.ThreadPool);
        Exceptions.AddRange(events.Exceptions);
        Counters.AddRange(events.Counters);
        Spans.AddRange(events.Spans);
    }

    public override string ToString() =>
        $"{EventsRead} events: {Gcs.Count} GCs ({string.Join(", ", Gcs.Select(g => $"#{g.Payload.Number} gen{g.Payload.Generation} {g.Payload.Reason} pause {g.Payload.PauseNs} ns"))}), " +
        $"{Allocations.Count} allocation samples ({string.Join(", ", Allocations.GroupBy(a => a.Payload.TypeName).Select(g => $"{g.Key} x{g.Count()} {g.Sum(a => a.Payload.Bytes)} B"))}), {Jits.Count} JIT, " +
        $"{Contentions.Count} contentions ({string.Join(", ", Contentions.Select(c => $"{c.Header.DurationNs / 1e6:0.#} ms tid {c.Header.Tid} owner {c.Payload.OwnerThreadId} {c.Payload.Stack.Length} frames"))}), {ThreadPool.Count} thread pool, {Exceptions.Count} exceptions, {Counters.Count} counter values, {Malformed} malformed";
}
