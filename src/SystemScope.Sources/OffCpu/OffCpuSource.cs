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
internal sealed class OffCpuSource(SourceContext context) : ISource
{
    private const string ErrorCode = "source-unavailable";
    private static readonly TimeSpan FirstWindow = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(2);

    private readonly Lock _gate = new();
    private readonly List<BpfLink> _links = [];
    private readonly HashMapDrainer<OffCpuKey, OffCpuValue> _drainer = new(512);
    private readonly List<(OffCpuKey Key, OffCpuValue Value)> _counts = [];
    private SharedKernelMaps? _shared;
    private KitObject? _object;
    private DoubleBuffer? _slots;
    private StackStore? _stacks;
    private WindowLoop? _loop;
    private RingReader? _reader;
    private SpanDecoder? _spans;
    private SinkLanes? _lanes;
    private ProcessNames? _names;
    private ProcessChannel? _channel;
    private IReadOnlyDictionary<string, long> _kernel = new Dictionary<string, long>();
    private BpfProgramStats _cost;
    private long _cappedReported;
    private long _blocks;
    private bool _started;
    private bool _disposed;

    public SourceDescriptor Descriptor => OffCpuSourceProvider.SourceDescriptor;

    public IReadOnlyList<string> Mechanisms { get; private set; } = [];

    public IReadOnlyList<SourceCounter> Counters
    {
        get
        {
            lock (_gate)
            {
                var counters = new List<SourceCounter>
                {
                    new("blocks", Interlocked.Read(ref _blocks), CounterKind.Events, "blocks recorded in the kernel and collected"),
                    new("timeline.spans", _spans?.Published ?? 0, CounterKind.Events, "long blocks sent to the timeline"),
                    new("stacks.missing", _stacks?.Missing ?? 0, CounterKind.Lost, "blocks whose stack was gone before it was read"),
                    new("windows", _loop?.Windows ?? 0, CounterKind.Info, "collection windows drained"),
                };
                counters.AddRange(KernelCounters.Report(_kernel, OffCpuSchema.Object.Name));
                counters.AddRange(KernelCounters.Cost(_cost, _shared?.StatsProblem));
                return counters;
            }
        }
    }

    public void Start()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_started)
            {
                throw new InvalidOperationException("source offcpu: already started");
            }

            _started = true;
            try
            {
                StartLocked();
            }
            catch (BpfException ex)
            {
                ReleaseLocked();
                throw new UnavailableException(ErrorCode, $"source offcpu: {ex.Message}", ex.Detail, ex);
            }
            catch (DllNotFoundException ex)
            {
                ReleaseLocked();
                throw new UnavailableException(ErrorCode, $"source offcpu: libbpf is not available: {ex.Message}", null, ex);
            }
            catch
            {
                ReleaseLocked();
                throw;
            }
        }
    }

    /// <summary>Detaches the programs; blocks in progress are not counted (their start is forgotten at the next switch-out).</summary>
    public void Pause()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            DetachLocked();
        }
    }

    public void Resume()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_object is not null && _links.Count == 0)
            {
                AttachLocked();
            }
        }
    }

    public void Dispose()
    {
        WindowLoop? loop;
        RingReader? reader;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            DetachLocked();
            loop = _loop;
            reader = _reader;
            if (loop is null)
            {
                ReleaseLocked();
                return;
            }
        }

        // The loop collects the last window (both slots) and then releases the kernel objects; the
        // reader publishes the spans still in the ring first.
        reader?.Dispose();
        loop.Dispose();
    }

    private void StartLocked()
    {
        var options = context.Options;
        var states = options.Get(OffCpuSourceProvider.States);
        var mask = (states.Contains("S") ? 1u << (int)OffCpuState.Sleeping : 0) |
                   (states.Contains("D") ? 1u << (int)OffCpuState.Blocked : 0) |
                   (states.Contains("other") ? 1u << (int)OffCpuState.Other : 0);
        _shared = SharedKernelMaps.For(context);
        _object = KitObject.Load(OffCpuSchema.Object, _shared, setup =>
        {
            setup.Set(OffCpuSchema.MinBlockNs, (ulong)options.Get(OffCpuSourceProvider.MinBlockUs) * 1000);
            setup.Set(OffCpuSchema.SpanMinNs, (ulong)options.Get(OffCpuSourceProvider.TimelineMinUs) * 1000);
            setup.Set(OffCpuSchema.SpanCapPerCpu, (uint)options.Get(OffCpuSourceProvider.TimelineCap));
            setup.Set(OffCpuSchema.StateMask, mask);
            setup.Set(OffCpuSchema.WakerStacks, options.Get(OffCpuSourceProvider.WakerStacks));
            setup.Set(OffCpuSchema.StackReuseMax, (uint)options.Get(OffCpuSourceProvider.StackReuse));
        });
        _slots = new DoubleBuffer(_object.Map(KitSchema.ActiveSlot), Settle);
        _stacks = new StackStore(_object.Map(OffCpuSchema.Stacks), _object.Map(KitSchema.StackReserve));
        _names = ProcessNames.For(context);
        _channel = ProcessChannel.Of(context);
        _lanes = new SinkLanes(context.Sink, 2);
        _spans = new SpanDecoder(_stacks, _names);
        _reader = new RingReader("systemscope offcpu spans", _lanes[1], Poll);
        _reader.Add(_object.Map(OffCpuSchema.Spans), _spans);
        _loop = new WindowLoop("systemscope offcpu source", _lanes[0], context.Window, FirstWindow, Poll, CollectWindow, CollectFinal, Release);
        AttachLocked();
        Mechanisms = [.. _object.Sections.Distinct(), "unwind: frame pointers"];
        _reader.Start();
        _loop.Start();
    }

    private void AttachLocked()
    {
        foreach (var program in _object!.Programs)
        {
            _links.Add(program.Attach());
        }
    }

    private void DetachLocked()
    {
        foreach (var link in _links)
        {
            link.Dispose();
        }

        _links.Clear();
    }

    private long CollectWindow(long startNs)
    {
        var (drained, endNs) = _slots!.Flip();
        _counts.Clear();
        Drain(drained);
        Publish(startNs, endNs);
        return endNs;
    }

    private long CollectFinal(long startNs)
    {
        _slots!.Settle();
        var endNs = MonotonicClock.NowNs();
        _counts.Clear();
        Drain(_slots.Active);
        Drain(_slots.Active ^ 1);
        Publish(startNs, endNs);
        return endNs;
    }

    private void Drain(int slot) =>
        _drainer.Drain(_object!.Map(OffCpuSchema.Counts(slot)), (in OffCpuKey key, in OffCpuValue value) => _counts.Add((key, value)));

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
        var capped = _kernel.GetValueOrDefault("spans.capped");
        var delta = capped - _cappedReported;
        _cappedReported = capped;
        var header = new EventHeader(StreamCap.Kind, startNs, 0, 0) { DurationNs = endNs - startNs };
        context.Sink.Publish(new EventBatch<StreamCap>([new(header, new StreamCap("offcpu.spans", delta, context.Options.Get(OffCpuSourceProvider.TimelineCap)))]));
    }

    private void Refresh()
    {
        var kernel = _object!.Counters.Read();
        var cost = _object.Cost();
        lock (_gate)
        {
            _kernel = kernel;
            _cost = cost;
        }
    }

    private void Release()
    {
        lock (_gate)
        {
            ReleaseLocked();
        }
    }

    private void ReleaseLocked()
    {
        DetachLocked();
        _object?.Dispose();
        _object = null;
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
