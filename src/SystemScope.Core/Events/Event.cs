namespace SystemScope.Core.Events;

/// <summary>An event: the common header, a typed payload, and where known, what caused it.</summary>
public readonly record struct Event<TPayload>(EventHeader Header, TPayload Payload, CausalLink Cause = default)
    where TPayload : struct;
