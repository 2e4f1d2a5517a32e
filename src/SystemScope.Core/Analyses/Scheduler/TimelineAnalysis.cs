using System.Globalization;
using SystemScope.Core.Analyses.Stacks;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Activity;
using SystemScope.Core.Events.Cpu;
using SystemScope.Core.Events.Process;
using SystemScope.Core.Events.Scheduler;
using SystemScope.Core.Models;
using SystemScope.Core.Models.Timeline;
using SystemScope.Core.Sessions;
using SystemScope.Core.Symbols;

namespace SystemScope.Core.Analyses.Scheduler;

/// <summary>
/// The thread timeline (<c>threads.timeline</c>): per observed thread its states over time — running
/// (on which CPU), runnable, sleeping, blocked — from the scheduler's switch and wakeup stream, with
/// CPU samples as ticks, the blocking stack and the waker (and its stack) on blocked slices from the
/// off-CPU source, and a causal link from each wakeup to the waker's track; per CPU which thread ran.
/// Also the per-thread breakdown of a time range over it (<c>threads.breakdown</c>). Follows Perfetto's
/// thread-state rules: a switch closes prev's running slice and opens its end state; a wakeup closes a
/// blocked slice and opens runnable; a switch-in closes runnable.
/// </summary>
public sealed class TimelineAnalysis :
    IAnalysis,
    IEventSink<ThreadSwitch>,
    IEventSink<ThreadWakeup>,
    IEventSink<BlockSpan>,
    IEventSink<CpuSampleTick>,
    IEventSink<ProcessLifecycle>,
    IEventSink<StreamCap>,
    IEventSink<ActivitySpan>
{
    public const string TimelineId = "threads.timeline";
    public const string BreakdownId = "threads.breakdown";

    /// <summary>How far apart two sources' timestamps of the same switch may be (separate programs on one tracepoint).</summary>
    private const long SameSwitchToleranceNs = 200_000;

    private readonly StackBuilder _stacks;
    private readonly Dictionary<int, ThreadCursor> _threads = [];
    private readonly Dictionary<int, CpuCursor> _cpus = [];
    private readonly Dictionary<int, string> _processNames = [];
    private readonly Dictionary<string, (long Capped, long PerSecond)> _caps = new(StringComparer.Ordinal);
    private readonly TimeOrdered<Action<TimelineModel.TimelineWriter>> _pending = new();
    private ProcessFilter _filter;
    private long _lastNs;

    public TimelineAnalysis(IStackSymbolizer symbolizer, ProcessFilter filter, IReadOnlyList<string>? sources = null)
    {
        IReadOnlyList<string> feeding = sources ?? ["sched", "offcpu", "cpu"];
        _stacks = new StackBuilder(symbolizer);
        _filter = filter;
        Timeline = new TimelineModel(new ModelDescriptor(TimelineId, TimelineModel.TypeName, "Thread timeline", "ns", feeding)
        {
            Description = "Each observed thread's states over time (running, runnable, sleeping, blocked), CPU samples, wakeups and their wakers, and what it was in: slow syscalls, I/O requests, connections.",
        });
        Breakdown = new BreakdownModel(new ModelDescriptor(BreakdownId, BreakdownModel.TypeName, "Where did the time go", "ns", feeding), Timeline);
    }

    public TimelineModel Timeline { get; }

    public BreakdownModel Breakdown { get; }

    public IReadOnlyList<IModel> Models => [Timeline, Breakdown];

    public void OnEvents(ReadOnlySpan<Event<ThreadSwitch>> events)
    {
        foreach (ref readonly var e in events)
        {
            var header = e.Header;
            var payload = e.Payload;
            _pending.Add(header.TimestampNs, writer => Switch(writer, header.TimestampNs, payload));
        }
    }

    public void OnEvents(ReadOnlySpan<Event<ThreadWakeup>> events)
    {
        foreach (ref readonly var e in events)
        {
            var header = e.Header;
            var payload = e.Payload;
            _pending.Add(header.TimestampNs, writer => Wakeup(writer, header, payload));
        }
    }

    public void OnEvents(ReadOnlySpan<Event<BlockSpan>> events)
    {
        foreach (ref readonly var e in events)
        {
            if (!_filter.MayMatch(e.Header.Pid))
            {
                continue;
            }

            var header = e.Header;
            var span = e.Payload;

            // Applied at the block's end: by then the switch-out that began it has been applied.
            _pending.Add(header.TimestampNs + header.DurationNs, writer =>
            {
                var stack = _stacks.Build(header.Pid, span.UserStack.Span, span.KernelStack.Span, null).ToArray();
                var wakerStack = span.Waker.IsKnown ? _stacks.Build(span.Waker.Pid, span.Waker.UserStack.Span, span.Waker.KernelStack.Span, null).ToArray() : [];
                Annotate(writer, header, span, stack, wakerStack);
            });
        }
    }

    public void OnEvents(ReadOnlySpan<Event<CpuSampleTick>> events)
    {
        foreach (ref readonly var e in events)
        {
            if (!_filter.MayMatch(e.Header.Pid) || e.Header.Tid == 0)
            {
                continue;
            }

            var header = e.Header;
            var tick = e.Payload;
            _pending.Add(header.TimestampNs, writer =>
            {
                var stack = _stacks.Build(header.Pid, tick.UserStack.Span, tick.KernelStack.Span, null);
                var track = ThreadTrack(writer, header.Pid, header.Tid, null, header.TimestampNs);
                writer.Add(track, new TimelineInstant { Time = header.TimestampNs, Kind = 0, Stack = writer.Stacks.Intern(stack) });
                _lastNs = Math.Max(_lastNs, header.TimestampNs);
            });
        }
    }

    public void OnEvents(ReadOnlySpan<Event<ActivitySpan>> events)
    {
        foreach (ref readonly var e in events)
        {
            if (!_filter.MayMatch(e.Header.Pid) || e.Header.Tid == 0)
            {
                continue;
            }

            var header = e.Header;
            var span = e.Payload;
            _pending.Add(header.TimestampNs, writer => Activity(writer, header, span));
        }
    }

    public void OnEvents(ReadOnlySpan<Event<ProcessLifecycle>> events)
    {
        foreach (ref readonly var e in events)
        {
            var header = e.Header;
            var change = e.Payload;
            _pending.Add(header.TimestampNs, writer => Lifecycle(writer, header, change));
        }
    }

    /// <summary>
    /// Applies what every source has delivered up to the watermark, in timestamp order across the
    /// layers: a wakeup must be applied before the switch-in that follows it, whichever batch each
    /// came in.
    /// </summary>
    public void OnTick(long watermarkNs)
    {
        if (_pending.Count == 0)
        {
            return;
        }

        Timeline.Update(writer =>
        {
            _pending.ApplyUpTo(watermarkNs, apply => apply(writer));
            return 0;
        });
        Commit();
    }

    public void OnEvents(ReadOnlySpan<Event<StreamCap>> events)
    {
        foreach (ref readonly var e in events)
        {
            var (capped, _) = _caps.GetValueOrDefault(e.Payload.Stream);
            _caps[e.Payload.Stream] = (capped + e.Payload.Capped, e.Payload.CapPerSecond);
        }

        Timeline.Capped = _caps.Values.Sum(c => c.Capped);
        Timeline.CapPerSecond = _caps.Values.Select(c => c.PerSecond).DefaultIfEmpty(0).Max();
    }

    public void Reset()
    {
        _pending.Clear();
        _threads.Clear();
        _cpus.Clear();
        _caps.Clear();
        Timeline.Reset();
    }

    public void OnFilterChanged(ProcessFilter filter)
    {
        _filter = filter;
        Reset();
    }

    private void Switch(TimelineModel.TimelineWriter writer, long ts, in ThreadSwitch sw)
    {
        _lastNs = Math.Max(_lastNs, ts);
        if (sw.PrevTid != 0 && _filter.MayMatch(sw.PrevPid))
        {
            var prev = Cursor(writer, sw.PrevPid, sw.PrevTid, sw.PrevName, ts);
            Close(writer, prev, ts);
            prev.Open(sw.PrevState, ts, -1);
        }

        if (sw.NextTid != 0 && _filter.MayMatch(sw.NextPid))
        {
            var next = Cursor(writer, sw.NextPid, sw.NextTid, sw.NextName, ts);
            Close(writer, next, ts);
            next.Open(SchedState.Running, ts, sw.Cpu);
        }

        // The CPU's own track: which observed thread ran on it.
        if (!_cpus.TryGetValue(sw.Cpu, out var cpu))
        {
            var id = "c" + sw.Cpu.ToString(CultureInfo.InvariantCulture);
            _cpus[sw.Cpu] = cpu = new CpuCursor(writer.Track(id, TrackKind.Cpu, -1, -1, "CPU " + sw.Cpu.ToString(CultureInfo.InvariantCulture), string.Empty, ts));
        }

        if (cpu.Tid != 0 && ts > cpu.Since)
        {
            var slice = TimelineSlice.Of(cpu.Since, ts - cpu.Since, writer.String(SchedStates.Name(SchedState.Running)), sw.Cpu);
            slice.Label = writer.String($"{cpu.Name} ({cpu.Tid.ToString(CultureInfo.InvariantCulture)})");
            writer.Add(cpu.Track, slice);
        }

        var nextObserved = sw.NextTid != 0 && _filter.MayMatch(sw.NextPid);
        cpu.Tid = nextObserved ? sw.NextTid : 0;
        cpu.Name = sw.NextName;
        cpu.Since = ts;
    }

    private void Wakeup(TimelineModel.TimelineWriter writer, in EventHeader header, in ThreadWakeup wakeup)
    {
        var ts = header.TimestampNs;
        _lastNs = Math.Max(_lastNs, ts);
        if (wakeup.WakeeTid == 0 || !_filter.MayMatch(wakeup.WakeePid))
        {
            return;
        }

        var wakee = Cursor(writer, wakeup.WakeePid, wakeup.WakeeTid, null, ts);
        if (wakee.Known && wakee.State is SchedState.Running or SchedState.Runnable)
        {
            return; // a spurious wakeup: it was not waiting
        }

        if (wakee.Known)
        {
            wakee.LinkTrack = wakee.WokenByInterrupt ? null : writer.Find(ThreadId(header.Tid));
            wakee.LinkTime = ts;
            if (wakee.Waker < 0)
            {
                wakee.Waker = writer.Waker(new WakerRecord(header.Pid, header.Tid, wakeup.WakerName, -1));
            }

            Close(writer, wakee, ts);
        }

        wakee.Open(SchedState.Runnable, ts, -1);
    }

    /// <summary>Puts the blocking stack and the waker on the block they describe (open or already closed).</summary>
    private int Annotate(TimelineModel.TimelineWriter writer, in EventHeader header, in BlockSpan span, Symbol[] stack, Symbol[] wakerStack)
    {
        var stackId = writer.Stacks.Intern(stack);
        var interrupt = WakerKinds.Interrupt(wakerStack);
        var wakerId = !span.Waker.IsKnown ? -1
            : interrupt is { } irq ? writer.Waker(new WakerRecord(0, 0, irq.Name, writer.Stacks.Intern(wakerStack.AsSpan(irq.FirstInterruptFrame))))
            : writer.Waker(new WakerRecord(span.Waker.Pid, span.Waker.Tid, span.Waker.Name, writer.Stacks.Intern(wakerStack)));
        var start = header.TimestampNs;
        if (_threads.TryGetValue(header.Tid, out var open) && open.Known && open.State is not (SchedState.Running or SchedState.Runnable) &&
            Math.Abs(open.Since - start) <= SameSwitchToleranceNs)
        {
            open.Stack = stackId;
            open.Waker = wakerId >= 0 ? wakerId : open.Waker;
            if (interrupt is not null)
            {
                // The thread the interrupt landed on did not wake it: no arrow to its track.
                open.LinkTrack = null;
                open.WokenByInterrupt = true;
            }

            return 0;
        }

        if (writer.Find(ThreadId(header.Tid)) is { } track)
        {
            var index = track.SliceAt(start + (header.DurationNs / 2));
            if (index >= 0)
            {
                ref var slice = ref track.SliceRef(index);
                if (Math.Abs(slice.Start - start) <= SameSwitchToleranceNs)
                {
                    slice.Stack = stackId;
                    if (wakerId >= 0)
                    {
                        slice.Waker = wakerId;
                    }

                    if (interrupt is not null)
                    {
                        slice.LinkTrack = null;
                    }
                }
            }
        }

        return 0;
    }

    /// <summary>
    /// Puts a span on its thread's activity lane and, when it names a device, on the device's track,
    /// each linked to the other: from a slow request on the disk's track to the thread that waited.
    /// </summary>
    private void Activity(TimelineModel.TimelineWriter writer, in EventHeader header, in ActivitySpan span)
    {
        var start = header.TimestampNs;
        _lastNs = Math.Max(_lastNs, start + header.DurationNs);
        var thread = _threads.TryGetValue(header.Tid, out var cursor) && cursor.Track.Pid == header.Pid
            ? cursor.Track
            : ThreadTrack(writer, header.Pid, header.Tid, span.ThreadName.Length > 0 ? span.ThreadName : null, start);
        if (span.ThreadName.Length > 0 && thread.Name.StartsWith("tid ", StringComparison.Ordinal))
        {
            thread.Name = span.ThreadName; // first seen by a source that did not know its name
        }

        var stack = span.UserStack.IsEmpty && span.KernelStack.IsEmpty
            ? -1
            : writer.Stacks.Intern(_stacks.Build(header.Pid, span.UserStack.Span, span.KernelStack.Span, null));
        var slice = TimelineSlice.Of(start, header.DurationNs, writer.String(span.Category));
        slice.Label = writer.String(span.Detail.Length == 0 ? span.Name : span.Name + " " + span.Detail);
        slice.Stack = stack;
        if (span.Device.Length > 0)
        {
            var device = writer.Track("d:" + span.Device, TrackKind.Device, -1, -1, span.Device, span.Category, start);
            var onDevice = slice;
            onDevice.Label = writer.String($"{span.Name} {span.Detail} ({thread.Name} {header.Tid.ToString(CultureInfo.InvariantCulture)})".Replace("  ", " ", StringComparison.Ordinal));
            onDevice.LinkTrack = thread;
            onDevice.LinkTime = start;
            writer.AddSpan(device, onDevice);
            slice.LinkTrack = device;
            slice.LinkTime = start;
        }

        writer.AddSpan(thread, slice);
    }

    private void Lifecycle(TimelineModel.TimelineWriter writer, in EventHeader header, in ProcessLifecycle change)
    {
        var ts = header.TimestampNs;
        switch (change.Change)
        {
            case ProcessChange.Seen or ProcessChange.Exec or ProcessChange.Fork:
                _processNames[header.Pid] = change.Name;
                break;
            case ProcessChange.Rename:
                if (writer.Find(ThreadId(header.Tid)) is { } renamed)
                {
                    renamed.Name = change.Name;
                }

                break;
            case ProcessChange.ThreadExit:
                End(writer, header.Tid, ts);
                break;
            case ProcessChange.Exit:
                var pid = header.Pid;
                foreach (var tid in _threads.Where(t => t.Value.Track.Pid == pid).Select(t => t.Key).ToList())
                {
                    End(writer, tid, ts);
                }

                break;
        }
    }

    private void End(TimelineModel.TimelineWriter writer, int tid, long ts)
    {
        if (_threads.Remove(tid, out var cursor))
        {
            Close(writer, cursor, ts);
            cursor.Track.End = ts;
        }
    }

    private ThreadCursor Cursor(TimelineModel.TimelineWriter writer, int pid, int tid, string? name, long ts)
    {
        if (_threads.TryGetValue(tid, out var cursor) && cursor.Track.Pid == pid)
        {
            if (name is { Length: > 0 } && cursor.Track.Name != name)
            {
                cursor.Track.Name = name;
            }

            return cursor;
        }

        var track = ThreadTrack(writer, pid, tid, name, ts);
        _threads[tid] = cursor = new ThreadCursor(track);
        return cursor;
    }

    private TimelineTrack ThreadTrack(TimelineModel.TimelineWriter writer, int pid, int tid, string? name, long ts)
    {
        var process = _processNames.GetValueOrDefault(pid) ?? (tid == pid && name is not null ? name : "pid " + pid.ToString(CultureInfo.InvariantCulture));
        var track = writer.Track(ThreadId(tid), TrackKind.Thread, pid, tid, name ?? "tid " + tid.ToString(CultureInfo.InvariantCulture), process, ts);
        if (track.Pid != pid)
        {
            // The tid was reused by another process: its old track has ended; the new thread gets its own.
            track.End ??= ts;
            track = writer.Track(ThreadId(tid) + "." + pid.ToString(CultureInfo.InvariantCulture), TrackKind.Thread, pid, tid, name ?? "tid " + tid.ToString(CultureInfo.InvariantCulture), process, ts);
        }

        return track;
    }

    /// <summary>Ends the thread's open state at <paramref name="end"/> as a slice (with what was learnt about it).</summary>
    private static void Close(TimelineModel.TimelineWriter writer, ThreadCursor cursor, long end)
    {
        if (!cursor.Known || end <= cursor.Since)
        {
            cursor.ClearPending();
            return;
        }

        var slice = TimelineSlice.Of(cursor.Since, end - cursor.Since, writer.String(SchedStates.Name(cursor.State)), cursor.State == SchedState.Running ? cursor.Cpu : -1);
        slice.Stack = cursor.Stack;
        slice.Waker = cursor.Waker;
        slice.LinkTrack = cursor.LinkTrack;
        slice.LinkTime = cursor.LinkTime;
        writer.Add(cursor.Track, slice);
        cursor.ClearPending();
    }

    private static string ThreadId(int tid) => "t" + tid.ToString(CultureInfo.InvariantCulture);

    private void Commit() => Timeline.Commit(_lastNs);

    /// <summary>A thread's open state: since when, on which CPU, and what is known about it so far.</summary>
    private sealed class ThreadCursor(TimelineTrack track)
    {
        public TimelineTrack Track { get; } = track;

        public bool Known { get; private set; }

        public SchedState State { get; private set; }

        public long Since { get; private set; }

        public int Cpu { get; private set; } = -1;

        public int Stack { get; set; } = -1;

        public int Waker { get; set; } = -1;

        public TimelineTrack? LinkTrack { get; set; }

        public long LinkTime { get; set; }

        /// <summary>The off-CPU source said an interrupt woke it (before the wakeup record arrived).</summary>
        public bool WokenByInterrupt { get; set; }

        public void Open(SchedState state, long since, int cpu)
        {
            Known = true;
            State = state;
            Since = since;
            Cpu = cpu;
        }

        public void ClearPending()
        {
            Stack = -1;
            Waker = -1;
            LinkTrack = null;
            LinkTime = 0;
            WokenByInterrupt = false;
        }
    }

    private sealed class CpuCursor(TimelineTrack track)
    {
        public TimelineTrack Track { get; } = track;

        public int Tid { get; set; }

        public string Name { get; set; } = string.Empty;

        public long Since { get; set; }
    }
}

/// <summary>
/// Adds the thread timeline and the breakdown to every session with the <c>sched</c> source or a source
/// that streams activity spans (<paramref name="spanSources"/>: the ids of those whose descriptor says
/// <see cref="Sources.SourceDescriptor.FeedsTimeline"/>).
/// </summary>
public sealed class TimelineAnalysisProvider(IStackSymbolizer symbolizer, IEnumerable<string> spanSources) : IAnalysisProvider
{
    private readonly HashSet<string> _spanSources = [.. spanSources];

    public bool AppliesTo(IReadOnlySet<string> sources) => sources.Contains(SchedAnalysis.SourceId) || _spanSources.Overlaps(sources);

    public IAnalysis Create(AnalysisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        // The models name the session's sources that feed them.
        var feeding = context.Sources.Where(s => s is "sched" or "offcpu" or "cpu" || _spanSources.Contains(s)).Order(StringComparer.Ordinal).ToList();
        var analysis = new TimelineAnalysis(symbolizer, context.Filter.Current, feeding);
        context.Bus.Subscribe<ThreadSwitch>(analysis);
        context.Bus.Subscribe<ThreadWakeup>(analysis);
        context.Bus.Subscribe<BlockSpan>(analysis);
        context.Bus.Subscribe<CpuSampleTick>(analysis);
        context.Bus.Subscribe<ProcessLifecycle>(analysis);
        context.Bus.Subscribe<StreamCap>(analysis);
        context.Bus.Subscribe<ActivitySpan>(analysis);
        return analysis;
    }
}
