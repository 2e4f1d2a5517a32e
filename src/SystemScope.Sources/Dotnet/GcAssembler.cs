using SystemScope.Core.Events;
using SystemScope.Core.Events.Activity;
using SystemScope.Core.Events.Dotnet;

namespace SystemScope.Sources.Dotnet;

/// <summary>
/// Puts a collection together from the runtime's GC events: GCStart (number, generation, reason, type),
/// the suspension around it (GCSuspendEEBegin → GCRestartEEEnd, the pause), GCPerHeapHistory (sizes
/// before and after, free space), GCEnd and GCHeapStats (sizes after, promoted bytes). A collection is
/// complete at its heap statistics once no suspension is open, else at the restart that ends it. A
/// background collection holds several pauses and may contain foreground ones; each pause is counted
/// for the innermost collection running when it ended, and is a <c>gc</c> span on every managed thread
/// seen so far.
/// </summary>
internal sealed class GcAssembler(int pid, RuntimeEvents output, Func<IReadOnlyCollection<long>> managedThreads)
{
    private RuntimeEvents _output = output;

    private static readonly string[] Reasons =
    [
        "alloc_small", "induced", "low_memory", "empty", "alloc_large", "oos_small", "oos_large",
        "induced_noforce", "stress", "induced_low_memory", "induced_compacting", "low_memory_host",
        "pm_full_gc", "low_memory_host_blocking", "bgc_tuning_soh", "bgc_tuning_loh", "bgc_stepping",
        "induced_aggressive",
    ];

    private static readonly string[] Types = ["blocking", "background", "foreground"];

    private readonly List<Collection> _open = [];
    private long _suspendedAt = -1;
    private long _suspendingThread;
    private long[] _lastAfter = new long[5];

    /// <summary>Where completed collections and pause spans go from now on.</summary>
    public void Retarget(RuntimeEvents output) => _output = output;

    public static string ReasonName(uint reason) => reason < Reasons.Length ? Reasons[reason] : $"reason {reason}";

    public void SuspendBegin(long timestampNs, long thread)
    {
        _suspendedAt = timestampNs;
        _suspendingThread = thread;
    }

    public void Start(long timestampNs, long thread, long number, int generation, uint reason, uint type)
    {
        _open.Add(new Collection
        {
            StartNs = timestampNs,
            Thread = thread,
            Number = number,
            Generation = generation,
            Reason = ReasonName(reason),
            Type = type < Types.Length ? Types[type] : $"type {type}",
        });
    }

    public void RestartEnd(long timestampNs)
    {
        if (_suspendedAt < 0)
        {
            return;
        }

        var pause = timestampNs - _suspendedAt;
        var owner = _open.Count > 0 ? _open[^1] : null;
        if (owner is not null)
        {
            owner.PauseNs += pause;
        }

        Pause(_suspendedAt, pause, owner);
        _suspendedAt = -1;
        EmitCompleted();
    }

    public void End(long timestampNs, long number)
    {
        var collection = Find(number);
        if (collection is not null)
        {
            collection.EndNs = timestampNs;
        }
    }

    public void PerHeapHistory(ReadOnlySpan<long> sizesBefore, ReadOnlySpan<long> freeAfter)
    {
        var current = _open.LastOrDefault(c => c.EndNs == 0) ?? _open.LastOrDefault();
        if (current is null)
        {
            return;
        }

        for (var i = 0; i < Math.Min(sizesBefore.Length, 5); i++)
        {
            current.Before += sizesBefore[i];
            current.Free += freeAfter[i];
        }

        current.HasHistory = true;
    }

    public void HeapStats(long[] sizes, long[] promoted)
    {
        var collection = _open.LastOrDefault(c => c.EndNs != 0 && c.Sizes is null);
        if (collection is null)
        {
            return;
        }

        collection.Sizes = sizes;
        collection.Promoted = promoted;
        if (_suspendedAt < 0)
        {
            EmitCompleted();
        }
    }

    /// <summary>The stream ended: collections that ended are emitted with what is known.</summary>
    public void Flush()
    {
        foreach (var collection in _open.Where(c => c.EndNs != 0 && c.Sizes is null))
        {
            collection.Sizes = _lastAfter;
            collection.Promoted = new long[5];
        }

        EmitCompleted();
        _open.Clear();
    }

    private Collection? Find(long number)
    {
        for (var i = _open.Count - 1; i >= 0; i--)
        {
            if (_open[i].Number == number)
            {
                return _open[i];
            }
        }

        return _open.Count > 0 ? _open[^1] : null;
    }

    private void EmitCompleted()
    {
        for (var i = 0; i < _open.Count; i++)
        {
            var c = _open[i];
            if (c.EndNs == 0 || c.Sizes is null)
            {
                continue;
            }

            var before = c.HasHistory ? c.Before : _lastAfter.Sum();
            var gc = new DotnetGc(c.Number, c.Generation, c.Reason, c.Type, c.PauseNs, before, c.Sizes, c.Promoted ?? new long[5], c.HasHistory ? c.Free : -1);
            _output.Gcs.Add(new Event<DotnetGc>(new EventHeader(DotnetGc.Kind, c.StartNs, pid, (int)c.Thread) { DurationNs = Math.Max(0, c.EndNs - c.StartNs) }, gc));
            _lastAfter = c.Sizes;
            _open.RemoveAt(i--);
        }
    }

    private void Pause(long startNs, long durationNs, Collection? owner)
    {
        var detail = owner is null ? "suspension" : $"gen {owner.Generation} {owner.Reason}, {owner.Type}";
        var threads = managedThreads();
        foreach (var thread in threads.Count > 0 ? threads : [_suspendingThread])
        {
            var span = new ActivitySpan("gc", "GC pause", detail, string.Empty, ReadOnlyMemory<ulong>.Empty, ReadOnlyMemory<ulong>.Empty);
            _output.Spans.Add(new Event<ActivitySpan>(new EventHeader(DotnetSpans.Kind, startNs, pid, (int)thread) { DurationNs = durationNs }, span));
        }
    }

    private sealed class Collection
    {
        public long StartNs;
        public long EndNs;
        public long Thread;
        public long Number;
        public int Generation;
        public string Reason = string.Empty;
        public string Type = string.Empty;
        public long PauseNs;
        public long Before;
        public long Free;
        public bool HasHistory;
        public long[]? Sizes;
        public long[]? Promoted;
    }
}
