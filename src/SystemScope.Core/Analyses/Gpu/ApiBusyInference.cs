using SystemScope.Core.Events;
using SystemScope.Core.Events.Gpu;

namespace SystemScope.Core.Analyses.Gpu;

/// <summary>
/// Infers when a process's device was busy from its API calls alone, where nothing measures it:
/// the device is taken to be busy from a submission (a launch, a graph or command-list submission,
/// a copy) until the end of the first wait that covers it — a synchronisation of its stream, of the
/// context or device, or a synchronous copy (which also covers everything queued before it). A wait
/// with nothing known to be pending still waited for something (work queued before the session): it
/// counts as busy for its own length. Per process, the busy period is the union over its streams.
/// What this cannot see: when work queued before a wait actually finished (it may have been idle
/// for most of the wait's length, or done long before a late synchronisation), and work that no wait
/// ever covers (a process that never synchronises looks busy from its first submission on).
/// Feed calls in start order (<see cref="Apply"/> schedules the wait's end at its end).
/// </summary>
public sealed class ApiBusyInference(DeviceBusy busy)
{
    private readonly Dictionary<int, HashSet<ulong>> _pending = [];

    /// <summary>The call's start, in time order with the other calls: a submission makes its stream busy.</summary>
    public void Started(in EventHeader header, in GpuApiCall call)
    {
        if (GpuSources.Submits(call))
        {
            Pending(header.Pid).Add(call.Stream);
            busy.Started(header.Pid, header.Tid, header.TimestampNs);
        }
        else if (GpuSources.Waits(call) && Pending(header.Pid).Count == 0)
        {
            // Waiting with nothing known pending: the device had work from before; busy for the wait at least.
            busy.Started(header.Pid, header.Tid, header.TimestampNs);
        }
    }

    /// <summary>The call's end, in time order: a wait retires what it covered; when no stream is left, the busy period ends.</summary>
    public void Ended(in EventHeader header, in GpuApiCall call)
    {
        if (!GpuSources.Waits(call))
        {
            return;
        }

        var pending = Pending(header.Pid);
        if (GpuSources.WaitsForAll(call))
        {
            pending.Clear();
        }
        else
        {
            // A stream waits for its own work and the legacy default stream's.
            pending.Remove(call.Stream);
            pending.Remove(0);
        }

        if (pending.Count == 0)
        {
            busy.Ended(header.Pid, header.TimestampNs + header.DurationNs);
        }
    }

    public void Exited(int pid) => _pending.Remove(pid);

    public void Reset() => _pending.Clear();

    private HashSet<ulong> Pending(int pid)
    {
        if (!_pending.TryGetValue(pid, out var set))
        {
            _pending[pid] = set = [];
        }

        return set;
    }
}
