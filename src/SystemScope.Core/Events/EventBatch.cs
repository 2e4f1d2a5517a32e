namespace SystemScope.Core.Events;

/// <summary>
/// A batch of events of one payload type that a source hands over to its session and no longer
/// touches: the session's analysis loop reads it later, on its own thread. Events are values, so
/// handing over the array is the copy; nothing points back into a ring buffer.
/// </summary>
public interface IEventBatch
{
    int Count { get; }

    /// <summary>Earliest event start in the batch (CLOCK_MONOTONIC ns).</summary>
    long FirstTimestampNs { get; }

    /// <summary>Latest event end (start + duration) in the batch.</summary>
    long LastTimestampNs { get; }

    Type PayloadType { get; }

    /// <summary>Delivers the events to the bus's subscribers of this payload type.</summary>
    void DeliverTo(EventBus bus);
}

/// <summary>An owned batch of <typeparamref name="TPayload"/> events.</summary>
public sealed class EventBatch<TPayload> : IEventBatch
    where TPayload : struct
{
    private readonly Event<TPayload>[] _events;

    /// <summary>Takes ownership of <paramref name="events"/>[0..<paramref name="count"/>).</summary>
    public EventBatch(Event<TPayload>[] events, int count)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, events.Length);
        _events = events;
        Count = count;
        long first = long.MaxValue, last = long.MinValue;
        for (var i = 0; i < count; i++)
        {
            var header = events[i].Header;
            first = Math.Min(first, header.TimestampNs);
            last = Math.Max(last, header.TimestampNs + header.DurationNs);
        }

        FirstTimestampNs = count == 0 ? 0 : first;
        LastTimestampNs = count == 0 ? 0 : last;
    }

    public EventBatch(Event<TPayload>[] events)
        : this(events, events?.Length ?? 0)
    {
    }

    public int Count { get; }

    public long FirstTimestampNs { get; }

    public long LastTimestampNs { get; }

    public Type PayloadType => typeof(TPayload);

    public ReadOnlySpan<Event<TPayload>> Events => _events.AsSpan(0, Count);

    /// <summary>A batch of a copy of <paramref name="events"/> (for sources that decode into a reused buffer).</summary>
    public static EventBatch<TPayload> CopyOf(ReadOnlySpan<Event<TPayload>> events) => new(events.ToArray());

    public void DeliverTo(EventBus bus)
    {
        ArgumentNullException.ThrowIfNull(bus);
        bus.Publish(Events);
    }
}
