namespace SystemScope.Symbols.Support;

/// <summary>Counts failures by kind and keeps the most recent ones for people to read.</summary>
internal sealed class FailureLog
{
    private const int Keep = 32;

    private readonly Lock _gate = new();
    private readonly Queue<SymbolizerFailure> _recent = new();
    private long _total;

    public long Total => Interlocked.Read(ref _total);

    public void Record(int pid, string what, string message)
    {
        Interlocked.Increment(ref _total);
        lock (_gate)
        {
            if (_recent.Count == Keep)
            {
                _recent.Dequeue();
            }

            _recent.Enqueue(new SymbolizerFailure(DateTimeOffset.UtcNow, pid, what, message));
        }
    }

    public IReadOnlyList<SymbolizerFailure> Recent()
    {
        lock (_gate)
        {
            return [.. _recent];
        }
    }
}
