namespace SystemScope.Core.Models.Timeline;

/// <summary>What a track follows.</summary>
public enum TrackKind : byte
{
    Thread,
    Cpu,

    /// <summary>A resource threads use (a disk, a remote endpoint): its lane holds the activity spans that named it.</summary>
    Device,
}

/// <summary>
/// A slice on a track: [Start, Start + Duration) in one state (running, sleeping … or a span kind
/// such as a syscall), with an optional label, CPU, stack and causal link. States and labels are ids
/// into the model's string table; stacks into its stack table; the link names a track and a time.
/// </summary>
public struct TimelineSlice
{
    public long Start;
    public long Duration;
    public int State;
    public int Label;
    public int Cpu;
    public int Stack;
    public int Waker;
    public TimelineTrack? LinkTrack;
    public long LinkTime;

    /// <summary>A slice with nothing optional set.</summary>
    public static TimelineSlice Of(long start, long duration, int state, int cpu = -1) =>
        new() { Start = start, Duration = duration, State = state, Label = -1, Cpu = cpu, Stack = -1, Waker = -1 };

    public readonly long End => Start + Duration;
}

/// <summary>A point in time on a track (a CPU sample), with an optional stack.</summary>
public struct TimelineInstant
{
    public long Time;
    public int Kind;
    public int Stack;
}

/// <summary>Who woke a thread: pid, tid, name and the stack at the wakeup (id in the stack table, or -1).</summary>
public readonly record struct WakerRecord(int Pid, int Tid, string Name, int Stack);

/// <summary>
/// One track: its identity, its lifetime and its slices and instants in time order. Slices are kept
/// sorted by start and do not overlap (a track is one thread or one CPU); out-of-order arrivals are
/// inserted in place. Not thread-safe: the model serialises access.
/// </summary>
public sealed class TimelineTrack(string id, TrackKind kind, int pid, int tid, string name, string process, long start)
{
    private TimelineSlice[] _slices = new TimelineSlice[16];
    private TimelineInstant[] _instants = new TimelineInstant[4];
    private TimelineSlice[] _spans = [];
    private int _spanHead;
    private int _spanCount;
    private long _longestSpan;
    private int _sliceHead;
    private int _sliceCount;
    private int _instantHead;
    private int _instantCount;

    public string Id { get; } = id;

    public TrackKind Kind { get; } = kind;

    public int Pid { get; } = pid;

    public int Tid { get; } = tid;

    public string Name { get; set; } = name;

    public string Process { get; set; } = process;

    public long Start { get; set; } = start;

    public long? End { get; set; }

    public int SliceCount => _sliceCount;

    public int InstantCount => _instantCount;

    public ReadOnlySpan<TimelineSlice> Slices => _slices.AsSpan(_sliceHead, _sliceCount);

    public ReadOnlySpan<TimelineInstant> Instants => _instants.AsSpan(_instantHead, _instantCount);

    /// <summary>
    /// The activity lane: what the thread did or waited for (a slow syscall, a block request, a TCP
    /// event), sorted by start. Unlike state slices, spans may overlap and nest (a block request inside
    /// the write that issued it). State is the span's category, Label its name and detail.
    /// </summary>
    public ReadOnlySpan<TimelineSlice> Spans => _spans.AsSpan(_spanHead, _spanCount);

    public int SpanCount => _spanCount;

    public long FirstTime => Math.Min(
        Math.Min(_sliceCount > 0 ? _slices[_sliceHead].Start : long.MaxValue, _spanCount > 0 ? _spans[_spanHead].Start : long.MaxValue),
        _instantCount > 0 ? _instants[_instantHead].Time : long.MaxValue);

    public void Add(in TimelineSlice slice)
    {
        Grow(ref _slices, ref _sliceHead, _sliceCount);
        var at = _sliceHead + _sliceCount;
        _slices[at] = slice;
        _sliceCount++;

        // Nearly always in order; otherwise bubble it back into place.
        while (at > _sliceHead && _slices[at - 1].Start > _slices[at].Start)
        {
            (_slices[at - 1], _slices[at]) = (_slices[at], _slices[at - 1]);
            at--;
        }
    }

    public void Add(in TimelineInstant instant)
    {
        Grow(ref _instants, ref _instantHead, _instantCount);
        var at = _instantHead + _instantCount;
        _instants[at] = instant;
        _instantCount++;
        while (at > _instantHead && _instants[at - 1].Time > _instants[at].Time)
        {
            (_instants[at - 1], _instants[at]) = (_instants[at], _instants[at - 1]);
            at--;
        }
    }

    public void AddSpan(in TimelineSlice span)
    {
        if (_spans.Length == 0)
        {
            _spans = new TimelineSlice[4];
        }

        Grow(ref _spans, ref _spanHead, _spanCount);
        var at = _spanHead + _spanCount;
        _spans[at] = span;
        _spanCount++;
        _longestSpan = Math.Max(_longestSpan, span.Duration);
        while (at > _spanHead && _spans[at - 1].Start > _spans[at].Start)
        {
            (_spans[at - 1], _spans[at]) = (_spans[at], _spans[at - 1]);
            at--;
        }
    }

    /// <summary>Index of the first span that may end after <paramref name="time"/>: spans start in order, and none is longer than the longest seen.</summary>
    public int FirstSpanNear(long time)
    {
        var spans = Spans;
        var from = time - _longestSpan;
        int lo = 0, hi = spans.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (spans[mid].Start < from)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    /// <summary>The innermost span covering <paramref name="time"/> (the latest to start), or -1.</summary>
    public int SpanAt(long time)
    {
        var spans = Spans;
        var found = -1;
        for (var i = FirstSpanNear(time); i < spans.Length && spans[i].Start <= time; i++)
        {
            if (spans[i].End >= time)
            {
                found = i;
            }
        }

        return found;
    }

    /// <summary>The slice covering <paramref name="time"/> (index into <see cref="Slices"/>), or -1.</summary>
    public int SliceAt(long time)
    {
        var slices = Slices;
        var i = FirstEndingAfter(time);
        return i < slices.Length && slices[i].Start <= time ? i : -1;
    }

    /// <summary>Index of the first slice that ends after <paramref name="time"/> (binary search: slices do not overlap).</summary>
    public int FirstEndingAfter(long time)
    {
        var slices = Slices;
        int lo = 0, hi = slices.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (slices[mid].End <= time)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    /// <summary>Index of the first instant at or after <paramref name="time"/>.</summary>
    public int FirstInstantAt(long time)
    {
        var instants = Instants;
        int lo = 0, hi = instants.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (instants[mid].Time < time)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    /// <summary>Mutable access to a slice (to attach a stack or a waker that arrived later).</summary>
    public ref TimelineSlice SliceRef(int index) => ref _slices[_sliceHead + index];

    /// <summary>Drops what starts before <paramref name="time"/>; returns how many slices and instants went.</summary>
    public int DropBefore(long time)
    {
        var dropped = 0;
        while (_sliceCount > 0 && _slices[_sliceHead].End <= time)
        {
            _sliceHead++;
            _sliceCount--;
            dropped++;
        }

        while (_instantCount > 0 && _instants[_instantHead].Time < time)
        {
            _instantHead++;
            _instantCount--;
            dropped++;
        }

        while (_spanCount > 0 && _spans[_spanHead].Start < time)
        {
            _spanHead++;
            _spanCount--;
            dropped++;
        }

        if (_sliceCount > 0)
        {
            Start = Math.Max(Start, _slices[_sliceHead].Start);
        }

        return dropped;
    }

    private static void Grow<T>(ref T[] items, ref int head, int count)
    {
        if (head + count < items.Length)
        {
            return;
        }

        // Compact first when a quarter or more is dropped space; otherwise double.
        var size = head >= items.Length / 4 ? items.Length : items.Length * 2;
        var grown = new T[size];
        Array.Copy(items, head, grown, 0, count);
        items = grown;
        head = 0;
    }
}
