using SystemScope.Core.Events;
using SystemScope.Core.Events.Process;

namespace SystemScope.Symbols.Sessions;

/// <summary>
/// The symboliser's subscription to one session's process changes. The bus cannot unsubscribe, so
/// after the session leaves the link stays subscribed but ignores everything.
/// </summary>
internal sealed class SessionLink(ProcessTracker tracker) : IEventSink<ProcessLifecycle>
{
    private volatile bool _left;

    public bool Left => _left;

    public void OnEvents(ReadOnlySpan<Event<ProcessLifecycle>> events)
    {
        foreach (ref readonly var e in events)
        {
            // Checked per event: Leave may run on another thread in the middle of a batch.
            if (_left)
            {
                return;
            }

            // Symbolisation acts on these three only; thread starts and exits can come by the thousand
            // and must not crowd them out of the tracker's bounded queue.
            if (e.Payload.Change is ProcessChange.Seen or ProcessChange.Exec or ProcessChange.Exit)
            {
                tracker.OnChange(this, e.Header.Pid, e.Payload.Change);
            }
        }
    }

    public void MarkLeft() => _left = true;
}
