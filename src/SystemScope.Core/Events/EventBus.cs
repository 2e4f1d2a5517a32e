namespace SystemScope.Core.Events;

/// <summary>
/// Routes batches from sources to the analyses of one session, by payload type. Dispatch is
/// synchronous on the publishing thread (sources publish from their own reader thread), so a batch
/// is seen by every subscriber before the source reuses its buffers.
/// </summary>
public sealed class EventBus
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Type, object> _subscribers = [];

    public void Subscribe<TPayload>(IEventSink<TPayload> sink)
        where TPayload : struct
    {
        ArgumentNullException.ThrowIfNull(sink);
        lock (_gate)
        {
            var current = _subscribers.TryGetValue(typeof(TPayload), out var existing)
                ? (IEventSink<TPayload>[])existing
                : [];
            _subscribers[typeof(TPayload)] = (IEventSink<TPayload>[])[.. current, sink];
        }
    }

    public bool HasSubscribers<TPayload>()
        where TPayload : struct => Sinks<TPayload>().Length > 0;

    /// <summary>Delivers the batch to every subscriber. A failing subscriber does not starve the others.</summary>
    public void Publish<TPayload>(ReadOnlySpan<Event<TPayload>> events)
        where TPayload : struct
    {
        if (events.IsEmpty)
        {
            return;
        }

        List<Exception>? failures = null;
        foreach (var sink in Sinks<TPayload>())
        {
            try
            {
                sink.OnEvents(events);
            }
            catch (Exception ex)
            {
                (failures ??= []).Add(ex);
            }
        }

        if (failures is not null)
        {
            throw new AggregateException($"{failures.Count} subscriber(s) of {typeof(TPayload).Name} failed", failures);
        }
    }

    private IEventSink<TPayload>[] Sinks<TPayload>()
        where TPayload : struct
    {
        lock (_gate)
        {
            return _subscribers.TryGetValue(typeof(TPayload), out var sinks) ? (IEventSink<TPayload>[])sinks : [];
        }
    }
}
