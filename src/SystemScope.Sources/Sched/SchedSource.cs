using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SystemScope.Bpf;
using SystemScope.Core.Errors;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Scheduler;
using SystemScope.Core.Sources;
using SystemScope.Sources.Kit;
using SystemScope.Sources.Process;
using SystemScope.Sources.Processes;

namespace SystemScope.Sources.Sched;

/// <summary>
/// The scheduler for one session, on the BPF kit. Start loads <c>sched.bpf.o</c> with the session's
/// shared maps and attaches sched_switch, sched_wakeup(_new), sched_waking and sched_migrate_task
/// (tp_btf, else raw_tp). Once per window the loop flips the double buffer and publishes the quiet
/// slot's run-queue latency histograms (<see cref="RunQueueLatency"/>) and per-thread switch counts
/// (<see cref="ThreadSwitchCounts"/>), and each CPU's average run-queue length over the window
/// (<see cref="RunQueueLength"/>, from the kernel's cumulative integral). A ring reader publishes the
/// timeline's switches and wakeups (<see cref="ThreadSwitch"/>, <see cref="ThreadWakeup"/>).
/// </summary>
internal sealed class SchedSource(SourceContext context) : KitSource
{
    private static readonly TimeSpan FirstWindow = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(2);

    private readonly HashMapDrainer<LatencyKey, LatencyHistogram> _latencyDrainer = new(64);
    private readonly HashMapDrainer<uint, ThreadCounts> _threadsDrainer = new(512);
    private readonly List<(LatencyKey Key, LatencyHistogram Value)> _latencies = [];
    private readonly List<(uint Tid, ThreadCounts Value)> _threads = [];
    private readonly CgroupNames _cgroups = new();
    private DoubleBuffer? _slots;
    private RecordDecoder? _records;
    private SinkLanes? _lanes;
    private ProcessNames? _names;
    private ProcessChannel? _channel;
    private RunQueue[] _lastRunQueues = [];
    private long _cappedReported;
    private long _waits;

    public override SourceDescriptor Descriptor => SchedSourceProvider.SourceDescriptor;

    protected override string ObjectName => SchedSchema.Object.Name;

    protected override IEnumerable<SourceCounter> OwnCounters() =>
    [
        new("waits", Interlocked.Read(ref _waits), CounterKind.Events, "run-queue waits measured and collected"),
        new("timeline.records", _records?.Published ?? 0, CounterKind.Events, "switches and wakeups sent to the timeline"),
    ];

    protected override void StartLocked()
    {
        var options = context.Options;
        Shared = SharedKernelMaps.For(context);
        KernelObject = KitObject.Load(SchedSchema.Object, Shared, setup =>
        {
            setup.Set(SchedSchema.StreamTimeline, options.Get(SchedSourceProvider.Timeline));
            setup.Set(SchedSchema.RecordCapPerCpu, (uint)options.Get(SchedSourceProvider.TimelineCap));
            setup.Set(SchedSchema.PerCgroup, options.Get(SchedSourceProvider.PerCgroup));
        });
        _slots = new DoubleBuffer(KernelObject.Map(KitSchema.ActiveSlot), Settle);
        _names = ProcessNames.For(context);
        _channel = ProcessChannel.Of(context);
        _lanes = new SinkLanes(context.Sink, 2);
        _records = new RecordDecoder(_names);
        Reader = new RingReader("systemscope sched timeline", _lanes[1], Poll);
        Reader.Add(KernelObject.Map(SchedSchema.Timeline), _records);
        _lastRunQueues = ReadRunQueues();
        Loop = new WindowLoop("systemscope sched source", _lanes[0], context.Window, FirstWindow, Poll, CollectWindow, CollectFinal, Release);
        AttachLocked();
        Mechanisms = [.. KernelObject.Sections.Distinct()];
        Reader.Start();
        Loop.Start();
    }

    private long CollectWindow(long startNs)
    {
        var endNs = _slots!.DrainWindow(Drain);
        Publish(startNs, endNs);
        return endNs;
    }

    private long CollectFinal(long startNs)
    {
        var endNs = _slots!.DrainFinal(Drain);
        Publish(startNs, endNs);
        return endNs;
    }

    /// <summary>Adds a slot's maps to the window's lists (more: the window's second slot, at the final drain).</summary>
    private void Drain(int slot, bool more)
    {
        if (!more)
        {
            _latencies.Clear();
            _threads.Clear();
        }

        _latencyDrainer.Drain(KernelObject!.Map(SchedSchema.Latency(slot)), (in LatencyKey key, in LatencyHistogram value) => _latencies.Add((key, value)));
        _threadsDrainer.Drain(KernelObject.Map(SchedSchema.Threads(slot)), (in uint tid, in ThreadCounts value) => _threads.Add((tid, value)));
    }

    private void Publish(long startNs, long endNs)
    {
        _channel?.Flush();
        var window = endNs - startNs;
        var latencies = new List<Event<RunQueueLatency>>();
        foreach (var group in _latencies.GroupBy(l => (l.Key.Group, l.Key.Id)))
        {
            // Both slots at the final drain: the same key may come twice.
            var buckets = new long[SchedSchema.Buckets];
            long count = 0, sum = 0, max = 0;
            foreach (var (_, h) in group)
            {
                ReadOnlySpan<ulong> values = h.Buckets;
                for (var i = 0; i < buckets.Length; i++)
                {
                    buckets[i] += (long)values[i];
                }

                count += (long)h.Count;
                sum += (long)h.SumNs;
                max = Math.Max(max, (long)h.MaxNs);
            }

            var (kind, label) = (LatencyGroupKind)group.Key.Group switch
            {
                LatencyGroupKind.Process => (LatencyGroup.Process, _names!.NameOf((int)group.Key.Id)),
                LatencyGroupKind.Cgroup => (LatencyGroup.Cgroup, _cgroups.NameOf(group.Key.Id)),
                _ => (LatencyGroup.All, "all observed threads"),
            };
            var pid = kind == LatencyGroup.Process ? (int)group.Key.Id : 0;
            var header = new EventHeader(RunQueueLatency.Kind, startNs, pid, 0) { DurationNs = window };
            latencies.Add(new Event<RunQueueLatency>(header, new RunQueueLatency(kind, group.Key.Id, label, buckets, count, sum, max)));
            if (kind == LatencyGroup.All)
            {
                Interlocked.Add(ref _waits, count);
            }
        }

        var threads = new List<Event<ThreadSwitchCounts>>();
        foreach (var group in _threads.GroupBy(t => t.Tid))
        {
            var first = group.First().Value;
            var tgid = (int)first.Tgid;
            threads.Add(new Event<ThreadSwitchCounts>(
                new EventHeader(ThreadSwitchCounts.Kind, startNs, tgid, (int)group.Key) { DurationNs = window },
                new ThreadSwitchCounts(
                    group.Sum(t => (long)t.Value.Voluntary),
                    group.Sum(t => (long)t.Value.Involuntary),
                    group.Sum(t => (long)t.Value.Migrations),
                    _names!.Intern(first.Comm),
                    _names.NameOf(tgid))));
        }

        Refresh();
        context.Sink.Publish(new EventBatch<RunQueueLatency>([.. latencies]));
        context.Sink.Publish(new EventBatch<ThreadSwitchCounts>([.. threads]));
        context.Sink.Publish(new EventBatch<RunQueueLength>(RunQueueLengths(startNs, endNs)));
        ReportCap(startNs, endNs);
        _lanes![0].Advance(endNs);
    }

    /// <summary>Each CPU's run-queue length averaged over the window: the integral's growth divided by the time.</summary>
    private Event<RunQueueLength>[] RunQueueLengths(long startNs, long endNs)
    {
        var now = ReadRunQueues();
        var events = new List<Event<RunQueueLength>>();
        for (var cpu = 0; cpu < now.Length && cpu < _lastRunQueues.Length; cpu++)
        {
            var (before, after) = (_lastRunQueues[cpu], now[cpu]);
            if (after.LastNs == 0)
            {
                continue; // never switched: offline, or nothing ran there
            }

            // The open interval since the last switch counts at its current length.
            var area = (double)(after.Area - before.Area) + ((double)after.LastLength * Math.Max(0, endNs - (long)after.LastNs))
                       - (before.LastNs == 0 ? 0 : (double)before.LastLength * Math.Max(0, startNs - (long)before.LastNs));
            var average = Math.Max(0, area / Math.Max(1, endNs - startNs));
            var header = new EventHeader(RunQueueLength.Kind, startNs, 0, 0) { DurationNs = endNs - startNs, Cpu = cpu };
            events.Add(new Event<RunQueueLength>(header, new RunQueueLength(cpu, average, (int)after.MaxLength)));
        }

        _lastRunQueues = now;
        return [.. events];
    }

    private RunQueue[] ReadRunQueues()
    {
        var map = KernelObject!.Map(SchedSchema.RunQueues);
        var buffer = new byte[map.ValueBufferSize];
        Span<byte> key = stackalloc byte[sizeof(uint)];
        key.Clear();
        if (!map.TryLookup(key, buffer))
        {
            return [];
        }

        var cpus = buffer.Length / map.PerCpuStride;
        var queues = new RunQueue[cpus];
        for (var cpu = 0; cpu < cpus; cpu++)
        {
            queues[cpu] = MemoryMarshal.Read<RunQueue>(buffer.AsSpan(cpu * map.PerCpuStride, Unsafe.SizeOf<RunQueue>()));
        }

        return queues;
    }

    private void ReportCap(long startNs, long endNs)
    {
        var capped = KernelValues.GetValueOrDefault("records.capped");
        var delta = capped - _cappedReported;
        _cappedReported = capped;
        var header = new EventHeader(StreamCap.Kind, startNs, 0, 0) { DurationNs = endNs - startNs };
        context.Sink.Publish(new EventBatch<StreamCap>([new(header, new StreamCap("sched.timeline", delta, context.Options.Get(SchedSourceProvider.TimelineCap)))]));
    }

    /// <summary>Decodes <c>struct sched_record</c> into <see cref="ThreadSwitch"/> and <see cref="ThreadWakeup"/> batches.</summary>
    private sealed class RecordDecoder(ProcessNames names) : IRecordBatcher
    {
        private readonly List<Event<ThreadSwitch>> _switches = [];
        private readonly List<Event<ThreadWakeup>> _wakeups = [];
        private long _published;

        public long Published => Interlocked.Read(ref _published);

        public void OnRecord(ReadOnlySpan<byte> record)
        {
            if (record.Length < Unsafe.SizeOf<SchedRecord>())
            {
                return;
            }

            var r = MemoryMarshal.Read<SchedRecord>(record);
            var ts = (long)r.TimestampNs;
            if ((SchedRecKind)r.Kind == SchedRecKind.Switch)
            {
                var header = new EventHeader(ThreadSwitch.Kind, ts, (int)r.PrevTgid, (int)r.PrevTid) { Cpu = (int)r.Cpu };
                _switches.Add(new Event<ThreadSwitch>(header, new ThreadSwitch(
                    (int)r.Cpu, (int)r.PrevTgid, (int)r.PrevTid, StateOf(r.PrevState), (int)r.NextTgid, (int)r.NextTid, names.Intern(r.PrevComm), names.Intern(r.NextComm))));
            }
            else if ((SchedRecKind)r.Kind == SchedRecKind.Wakeup)
            {
                var header = new EventHeader(ThreadWakeup.Kind, ts, (int)r.PrevTgid, (int)r.PrevTid) { Cpu = (int)r.Cpu };
                _wakeups.Add(new Event<ThreadWakeup>(header, new ThreadWakeup((int)r.NextTgid, (int)r.NextTid, (int)r.Cpu, names.Intern(r.PrevComm))));
            }
        }

        public void Flush(ISourceSink sink)
        {
            if (_switches.Count > 0)
            {
                var batch = new EventBatch<ThreadSwitch>([.. _switches]);
                _switches.Clear();
                Interlocked.Add(ref _published, batch.Count);
                sink.Publish(batch);
            }

            if (_wakeups.Count > 0)
            {
                var batch = new EventBatch<ThreadWakeup>([.. _wakeups]);
                _wakeups.Clear();
                Interlocked.Add(ref _published, batch.Count);
                sink.Publish(batch);
            }
        }

        private static SchedState StateOf(uint state) => state switch
        {
            1 => SchedState.Runnable,
            2 => SchedState.Sleeping,
            3 => SchedState.Blocked,
            _ => SchedState.Other,
        };
    }
}
