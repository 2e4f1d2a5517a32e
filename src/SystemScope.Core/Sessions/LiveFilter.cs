namespace SystemScope.Core.Sessions;

/// <summary>
/// A session's filter, which can change while it runs. Sources and analyses read
/// <see cref="Current"/> and subscribe to <see cref="Changed"/> (raised after the change, on the
/// caller's thread, one subscriber's failure not stopping the others).
/// </summary>
public sealed class LiveFilter(ProcessFilter initial)
{
    private readonly Lock _gate = new();
    private readonly List<Action<ProcessFilter>> _subscribers = [];
    private ProcessFilter _current = initial;

    public ProcessFilter Current => Volatile.Read(ref _current);

    /// <summary>Calls <paramref name="onChanged"/> after every change. Returns a subscription to dispose.</summary>
    public IDisposable Subscribe(Action<ProcessFilter> onChanged)
    {
        ArgumentNullException.ThrowIfNull(onChanged);
        lock (_gate)
        {
            _subscribers.Add(onChanged);
        }

        return new Subscription(this, onChanged);
    }

    internal void Set(ProcessFilter filter)
    {
        Action<ProcessFilter>[] subscribers;
        lock (_gate)
        {
            Volatile.Write(ref _current, filter);
            subscribers = [.. _subscribers];
        }

        List<Exception>? failures = null;
        foreach (var subscriber in subscribers)
        {
            try
            {
                subscriber(filter);
            }
            catch (Exception ex)
            {
                (failures ??= []).Add(ex);
            }
        }

        if (failures is not null)
        {
            throw failures.Count == 1 ? failures[0] : new AggregateException("changing the filter failed", failures);
        }
    }

    private sealed class Subscription(LiveFilter owner, Action<ProcessFilter> callback) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._gate)
            {
                owner._subscribers.Remove(callback);
            }
        }
    }
}
