namespace SystemScope.Core.Events;

/// <summary>
/// Receives batches of one payload type. Batches are only valid during the call: a sink that keeps
/// events copies them (they are values), it never holds on to the span.
/// </summary>
public interface IEventSink<TPayload>
    where TPayload : struct
{
    void OnEvents(ReadOnlySpan<Event<TPayload>> events);
}
