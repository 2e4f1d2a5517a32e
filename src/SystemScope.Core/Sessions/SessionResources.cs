namespace SystemScope.Core.Sessions;

/// <summary>
/// Objects that several sources of one session share (the session's kernel filter maps, the process
/// lifecycle ring buffer …), created by whichever source needs one first and disposed when the
/// session stops, after every source. Keyed by type: one instance of each per session.
/// </summary>
public sealed class SessionResources : IDisposable
{
    private readonly Lock _gate = new();
    private readonly List<object> _created = [];
    private readonly Dictionary<Type, object> _byType = [];
    private bool _disposed;

    /// <summary>The session's <typeparamref name="T"/>, created by <paramref name="create"/> on first use.</summary>
    public T GetOrCreate<T>(Func<T> create)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(create);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_byType.TryGetValue(typeof(T), out var existing))
            {
                return (T)existing;
            }

            var created = create();
            _byType[typeof(T)] = created;
            _created.Add(created);
            return created;
        }
    }

    public T? TryGet<T>()
        where T : class
    {
        lock (_gate)
        {
            return _byType.TryGetValue(typeof(T), out var existing) ? (T)existing : null;
        }
    }

    /// <summary>Disposes what was created, newest first.</summary>
    public void Dispose()
    {
        List<object> created;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            created = [.. _created];
            _created.Clear();
            _byType.Clear();
        }

        List<Exception>? failures = null;
        for (var i = created.Count - 1; i >= 0; i--)
        {
            try
            {
                (created[i] as IDisposable)?.Dispose();
            }
            catch (Exception ex)
            {
                (failures ??= []).Add(ex);
            }
        }

        if (failures is not null)
        {
            throw new AggregateException("releasing session resources failed", failures);
        }
    }
}
