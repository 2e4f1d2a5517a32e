namespace SystemScope.Core.Models;

/// <summary>A task that completes at the next change and is replaced by a new one: what live views wait on.</summary>
public sealed class ChangeSignal
{
    private TaskCompletionSource _next = NewSignal();

    public Task Next => Volatile.Read(ref _next).Task;

    public void Signal() => Interlocked.Exchange(ref _next, NewSignal()).TrySetResult();

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
