using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SystemScope.Bpf;
using SystemScope.Core.Errors;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Scheduler;
using SystemScope.Core.Sources;
using SystemScope.Sources.Kit;
using SystemScope.Sources.Process;

namespace SystemScope.Sources.OffCpu;

/// <summary>
/// Off-CPU time for one session, on the BPF kit. Start loads <c>offcpu.bpf.o</c> with the session's
/// shared maps and attaches sched_switch and sched_waking (tp_btf, else raw_tp). Once per window the
/// loop flips the double buffer, drains the quiet slot's counts and publishes one batch of
/// <see cref="OffCpuBlock"/>; a ring reader publishes long blocks one by one as <see cref="BlockSpan"/>
/// for the timeline. Stacks live in one map read by hash (<see cref="StackStore"/>): a block's stacks
/// are taken at switch-out, its count recorded at switch-in, often in the other slot.
/// </summary>
internal sealed class OffCpuSource(SourceContext context) : KitSource
{
    private static readonly TimeSpan FirstWindow = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(2);

    private readonly HashMapDrainer<OffCpuKey, OffCpuValue> _drainer = new(512);
    private readonly List<(OffCpuKey Key, OffCpuValue Value)> _counts = [];
    private DoubleBuffer? _slots;
    private StackStore? _stacks;
    private SpanDecoder? _spans;
    private SinkLanes? _lanes;
    private ProcessNames? _names;
    private ProcessChannel? _channel;
    private long _cappedReported;
    private long _blocks;

    public override SourceDescriptor Descriptor => OffCpuSourceProvider.SourceDescriptor;

    protected override string ObjectName => OffCpuSchema.Object.Name;

    protected override IEnumerable<SourceCounter> OwnCounters() =>
    [
        new("blocks", Interlocked.Read(ref _blocks), CounterKind.Events, "blocks recorded in the kernel and collected"),
        new("timeline.spans", _spans?.Published ?? 0, CounterKind.Events, "long blocks sent to the timeline"),
        new("stacks.missing", _stacks?.Missing ?? 0, CounterKind.Lost, "blocks whose stack was gone before it was read"),
    ];

    protected override void StartLocked()
    {
        var options = context.Options;
        var states = options.Get(OffCpuSourceProvider.States);
        var mask = (states.Contains("S") ? 1u << (int)OffCpuState.Sleeping : 0) |
                   (states.Contains("D") ? 1u << (int)OffCpuState.Blocked : 0) |
                   (states.Contains("other") ? 1u << (int)OffCpuState.Other : 0);
        Shared = SharedKernelMaps.For(context);
        KernelObject = KitObject.Load(OffCpuSchema.Object, Shared, setup =>
        {
            setup.Set(OffCpuSchema.MinBlockNs, (ulong)options.Get(OffCpuSourceProvider.MinBlockUs) * 1000);
            setup.Set(OffCpuSchema.SpanMinNs, (ulong)options.Get(OffCpuSourceProvider.TimelineMinUs) * 1000);
            setup.Set(OffCpuSchema.SpanCapPerCpu, (uint)options.Get(OffCpuSourceProvider.TimelineCap));
            setup.Set(OffCpuSchema.StateMask, mask);
            setup.Set(OffCpuSchema.WakerStacks, options.Get(OffCpuSourceProvider.WakerStacks));
            setup.Set(OffCpuSchema.StackReuseMax, (uint)options.Get(OffCpuSourceProvider.StackReuse));
            StackOptions.Apply(setup, options);
        });
        _slots = new DoubleBuffer(KernelObject.Map(KitSchema.ActiveSlot), Settle);
        _stacks = new StackStore(KernelObject.Map(OffCpuSchema.Stacks), KernelObject.Map(KitSchema.StackReserve));
        _names = ProcessNames.For(context);
        _channel = ProcessChannel.Of(context);
        _lanes = new SinkLanes(context.Sink, 2);
        _spans = new SpanDecoder(_stacks, _names);
        Reader = new RingReader("systemscope offcpu spans", _lanes[1], Poll);
        Reader.Add(KernelObject.Map(OffCpuSchema.Spans), _spans);
        Loop = new WindowLoop("systemscope offcpu source", _lanes[0], context.Window, FirstWindow, Poll, CollectWindow, CollectFinal, Release);
        AttachLocked();
        Mechanisms = [.. KernelObject.Sections.Distinct(), StackOptions.Mechanism(options, Shared)];
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

    /// <summary>Adds a slot's map to the window's list (more: the window's second slot, at the final drain).</summary>
    private void Drain(int slot, bool more)
    {
        if (!more)
        {
            _counts.Clear();
        }

        _drainer.Drain(KernelObject!.Map(OffCpuSchema.Counts(slot)), (in OffCpuKey key, in OffCpuValue value) => _counts.Add((key, value)));
    }

    private void Publish(long startNs, long endNs)
    {
        // The processes these blocks belong to were announced at switch-out: publish that first.
        _channel?.Flush();
        var events = new Event<OffCpuBlock>[_counts.Count];
        for (var i = 0; i < _counts.Count; i++)
        {
            var (key, value) = _counts[i];
            var header = new EventHeader(OffCpuBlock.Kind, startNs, (int)key.Tgid, (int)key.Tid) { DurationNs = endNs - startNs };
            var waker = new Waker((int)key.WakerTgid, (int)key.WakerTid, value.WakerComm.ToString(), _stacks!.Resolve(key.WakerUserStack), _stacks.Resolve(key.WakerKernelStack));
            events[i] = new Event<OffCpuBlock>(header, new OffCpuBlock(
                _stacks!.Resolve(key.UserStack),
                _stacks.Resolve(key.KernelStack),
                OffCpuSchema.StateOf(key.State),
                (long)value.BlockedNs,
                (long)value.RunnableNs,
                (long)value.Count,
                _names!.NameOf((int)key.Tgid),
                waker));
        }

        Interlocked.Add(ref _blocks, _counts.Sum(c => (long)c.Value.Count));
        _stacks!.WindowEnded();
        Refresh();
        context.Sink.Publish(new EventBatch<OffCpuBlock>(events));
        ReportCap(startNs, endNs);
        _lanes![0].Advance(endNs);
    }

    /// <summary>What the timeline did not get because of the cap, once per window (the timeline says so).</summary>
    private void ReportCap(long startNs, long endNs)
    {
        var capped = KernelValues.GetValueOrDefault("spans.capped");
        var delta = capped - _cappedReported;
        _cappedReported = capped;
        var header = new EventHeader(StreamCap.Kind, startNs, 0, 0) { DurationNs = endNs - startNs };
        context.Sink.Publish(new EventBatch<StreamCap>([new(header, new StreamCap("offcpu.spans", delta, context.Options.Get(OffCpuSourceProvider.TimelineCap)))]));
    }

    /// <summary>Decodes <c>struct offcpu_span</c> records into <see cref="BlockSpan"/> events (stacks resolved by hash).</summary>
    private sealed class SpanDecoder(StackStore stacks, ProcessNames names) : IRecordBatcher
    {
        private readonly List<Event<BlockSpan>> _pending = [];
        private long _published;

        public long Published => Interlocked.Read(ref _published);

        public void OnRecord(ReadOnlySpan<byte> record)
        {
            if (record.Length < Unsafe.SizeOf<OffCpuSpanRecord>())
            {
                return;
            }

            var r = MemoryMarshal.Read<OffCpuSpanRecord>(record);
            var header = new EventHeader(BlockSpan.Kind, (long)r.StartNs, (int)r.Tgid, (int)r.Tid) { DurationNs = (long)r.BlockedNs };
            var waker = new Waker((int)r.WakerTgid, (int)r.WakerTid, names.Intern(r.WakerComm), stacks.Resolve(r.WakerUserStack), stacks.Resolve(r.WakerKernelStack));
            _pending.Add(new Event<BlockSpan>(header, new BlockSpan(OffCpuSchema.StateOf(r.State), (long)r.RunnableNs, stacks.Resolve(r.UserStack), stacks.Resolve(r.KernelStack), waker)));
        }

        public void Flush(ISourceSink sink)
        {
            if (_pending.Count == 0)
            {
                return;
            }

            var batch = new EventBatch<BlockSpan>([.. _pending]);
            _pending.Clear();
            Interlocked.Add(ref _published, batch.Count);
            sink.Publish(batch);
        }
    }
}
