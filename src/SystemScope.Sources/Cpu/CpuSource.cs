using SystemScope.Bpf;
using SystemScope.Core.Errors;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Cpu;
using SystemScope.Core.Events.Scheduler;
using SystemScope.Core.Sources;
using SystemScope.Sources.Kit;
using SystemScope.Sources.Process;

namespace SystemScope.Sources.Cpu;

/// <summary>
/// On-CPU sampling for one session, on the BPF kit. Start loads <c>cpu_profile.bpf.o</c> with the
/// session's shared maps (so the session's filter applies and first samples announce their process),
/// and attaches the sampling program to a cpu-clock perf event per online CPU. Once per window the
/// loop flips the double buffer, lets the process channel publish what was announced, drains the quiet
/// slot and publishes one batch of <see cref="CpuStackSample"/>. Pause and resume disable and enable
/// the perf events; nothing is reloaded. Dispose stops sampling, publishes what is left in both
/// slots, and releases every kernel object.
/// </summary>
internal sealed class CpuSource : ISource
{
    public const string SampleMechanism = "perf_event cpu-clock";

    private const string ErrorCode = "source-unavailable";
    private const int CountBatch = 1024;
    private const int StackBatch = 128;

    private readonly SourceContext _context;
    private readonly CpuSourceOptions _options;
    private readonly Lock _gate = new();
    private readonly HashMapDrainer<CpuCountKey, ulong> _countsDrainer = new(CountBatch);
    private readonly HashMapDrainer<ulong, StackRecord> _stacksDrainer = new(StackBatch);
    private readonly List<(CpuCountKey Key, long Count)> _counts = [];
    private readonly Dictionary<ulong, ReadOnlyMemory<ulong>> _stacks = [];
    private readonly DrainVisitor<CpuCountKey, ulong> _addCount;
    private readonly DrainVisitor<ulong, StackRecord> _addStack;
    private readonly DrainVisitor<ulong, StackRecord> _addReserved;
    // Stacks from the kit's reserve (kit/stacks.h), of this window's drain and the one before: the
    // reserve is shared by both slots, so a stack a count of the active slot refers to may have been
    // drained with the other slot's.
    private Dictionary<ulong, ReadOnlyMemory<ulong>> _reserved = [];
    private Dictionary<ulong, ReadOnlyMemory<ulong>> _reservedBefore = [];
    private readonly TickDecoder _ticks = new();
    private RingBuffer? _tickRing;
    private SharedKernelMaps? _shared;
    private KitObject? _object;
    private PerfEventSet? _perf;
    private DoubleBuffer? _slots;
    private WindowLoop? _loop;
    private ProcessNames? _names;
    private ProcessChannel? _channel;
    private IReadOnlyDictionary<string, long> _kernel = new Dictionary<string, long>();
    private BpfProgramStats _cost;
    private SourceState _state;
    private bool _paused;
    private long _recorded;
    private long _missingStacks;
    private long _ticksCappedReported;
    private long _subscriberErrors;
    private Exception? _lastError;

    public CpuSource(SourceContext context, CpuSourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        _options = options;
        FrequencyHz = (int)context.Options.Get(CpuSourceProvider.Frequency);
        _addCount = (in CpuCountKey key, in ulong count) => _counts.Add((key, (long)count));
        _addStack = (in ulong hash, in StackRecord stack) => _stacks[hash] = StackRecord.Frames(in stack).ToArray();
        _addReserved = (in ulong hash, in StackRecord stack) => _reserved[hash] = StackRecord.Frames(in stack).ToArray();
    }

    private enum SourceState
    {
        Created,
        Running,
        Failed,
        Disposed,
    }

    /// <summary>Samples per second per CPU, from the session's options.</summary>
    public int FrequencyHz { get; }

    public SourceDescriptor Descriptor => CpuSourceProvider.SourceDescriptor;

    public IReadOnlyList<string> Mechanisms { get; private set; } = [];

    public IReadOnlyList<SourceCounter> Counters
    {
        get
        {
            IReadOnlyDictionary<string, long> kernel;
            BpfProgramStats cost;
            lock (_gate)
            {
                kernel = _kernel;
                cost = _cost;
            }

            var counters = new List<SourceCounter>
            {
                new("samples", Recorded, CounterKind.Events, "samples recorded in the kernel and collected"),
                new("windows", Windows, CounterKind.Info, "collection windows drained"),
                new("stacks.missing", MissingStacks, CounterKind.Lost, "counts whose stack was not in the drained slot"),
            };
            counters.AddRange(KernelCounters.Report(kernel, CpuProfileSchema.Object.Name));
            counters.AddRange(KernelCounters.Cost(cost, _shared?.StatsProblem));
            counters.AddRange(_shared?.Unwind?.Report() ?? []);
            return counters;
        }
    }

    /// <summary>Samples recorded in the kernel and published.</summary>
    internal long Recorded => Interlocked.Read(ref _recorded);

    internal long Windows => _loop?.Windows ?? 0;

    /// <summary>Failures of the loop (a window that could not be collected).</summary>
    internal long ReaderErrors => _loop?.Errors ?? 0;

    /// <summary>Batches the session refused to take (its sink threw).</summary>
    internal long SubscriberErrors => Interlocked.Read(ref _subscriberErrors);

    internal Exception? LastError => Volatile.Read(ref _lastError) ?? _loop?.LastError;

    internal long MissingStacks => Interlocked.Read(ref _missingStacks);

    internal bool UsesBatchDrain => _countsDrainer.UsesBatches;

    /// <summary>The kernel's counters as read after the last window (after the final one once disposed).</summary>
    internal IReadOnlyDictionary<string, long> KernelCounterValues
    {
        get
        {
            lock (_gate)
            {
                return _kernel;
            }
        }
    }

    public void Start()
    {
        lock (_gate)
        {
            if (_state != SourceState.Created)
            {
                throw new InvalidOperationException($"source cpu: cannot start when {_state.ToString().ToLowerInvariant()}");
            }

            try
            {
                _options.Validate();
            }
            catch (ArgumentException ex)
            {
                _state = SourceState.Failed;
                throw new InvalidRequestException(ex.Message);
            }

            try
            {
                StartLocked();
                _state = SourceState.Running;
            }
            catch (BpfException ex)
            {
                FailLocked();
                throw new UnavailableException(ErrorCode, $"source cpu: {ex.Message}", ex.Detail, ex);
            }
            catch (DllNotFoundException ex)
            {
                FailLocked();
                throw new UnavailableException(ErrorCode, $"source cpu: libbpf is not available: {ex.Message}", null, ex);
            }
            catch
            {
                FailLocked();
                throw;
            }
        }
    }

    public void Pause() => SetPaused(true);

    public void Resume() => SetPaused(false);

    /// <summary>Reads the kernel's counters now (diagnostics and tests).</summary>
    internal IReadOnlyDictionary<string, long> ReadCounters()
    {
        lock (_gate)
        {
            return _object is null ? throw new InvalidOperationException("source cpu: not running") : _object.Counters.Read();
        }
    }

    public void Dispose()
    {
        WindowLoop? loop;
        lock (_gate)
        {
            if (_state == SourceState.Disposed)
            {
                return;
            }

            var running = _state == SourceState.Running;
            _state = SourceState.Disposed;
            if (!running)
            {
                ReleaseLocked();
                return;
            }

            // Stop sampling first: once the links are gone no program writes the maps, so the final
            // drain sees everything that was sampled.
            _perf?.Dispose();
            loop = _loop;
        }

        // The loop collects the last window and releases the kernel objects on its way out.
        loop?.Dispose();
    }

    private void StartLocked()
    {
        var cpus = Cpus.Online().Count;
        var window = _context.Window;
        _shared = SharedKernelMaps.For(_context);
        _object = KitObject.Load(CpuProfileSchema.Object, _shared, setup =>
        {
            StackOptions.Apply(setup, _context.Options, _options.MaxStackDepth);
            setup.Set(CpuProfileSchema.IncludeIdle, _options.IncludeIdle ? 1u : 0u);
            setup.Set(CpuProfileSchema.StreamTicks, _context.Options.Get(CpuSourceProvider.Timeline));
            setup.Set(CpuProfileSchema.TickCapPerCpu, (uint)_context.Options.Get(CpuSourceProvider.TimelineCap));
            var counts = _options.CountsFor(FrequencyHz, window, cpus);
            var stacks = _options.StacksFor(FrequencyHz, window, cpus);
            setup.SetMaxEntries(CpuProfileSchema.Counts0, counts);
            setup.SetMaxEntries(CpuProfileSchema.Counts1, counts);
            setup.SetMaxEntries(CpuProfileSchema.Stacks0, stacks);
            setup.SetMaxEntries(CpuProfileSchema.Stacks1, stacks);
        });
        _slots = new DoubleBuffer(_object.Map(KitSchema.ActiveSlot), _options.SettleDelay);
        _tickRing = RingBuffer.Open(_object.Map(CpuProfileSchema.Ticks), _ticks);
        _names = ProcessNames.For(_context);
        _channel = ProcessChannel.Of(_context);
        _loop = new WindowLoop("systemscope cpu source", _context.Sink, window, _options.FirstWindow, _options.PollInterval, CollectWindow, CollectFinal, Release);
        _perf = PerfEventSet.CpuClock(_object.Program(CpuProfileSchema.Sample), FrequencyHz, enabled: !_paused);
        Mechanisms = [SampleMechanism, StackOptions.Mechanism(_context.Options, _shared)];
        _loop.Start();
    }

    /// <summary>One window: flip, drain the quiet slot, publish. Returns the window's end (the flip).</summary>
    private long CollectWindow(long startNs)
    {
        var (drained, endNs) = _slots!.Flip();
        Drain(drained, more: false);

        // Ticks counted in the drained slot have their stacks now; those of the active slot wait a window.
        _tickRing?.Consume();
        Publish(startNs, endNs, _ticks.Take(drained, Stack));
        return endNs;
    }

    /// <summary>After sampling stopped: both slots hold the last samples.</summary>
    private long CollectFinal(long startNs)
    {
        var endNs = _slots!.DrainFinal(Drain);
        _tickRing?.Consume();
        Publish(startNs, endNs, _ticks.Take(slot: null, Stack));
        return endNs;
    }

    private void Drain(int slot, bool more)
    {
        if (!more)
        {
            _counts.Clear();
            _stacks.Clear();
            (_reservedBefore, _reserved) = (_reserved, _reservedBefore);
            _reserved.Clear();
        }

        // Counts first: a stack is stored before the count that refers to it.
        _countsDrainer.Drain(_object!.Map(CpuProfileSchema.Counts(slot)), _addCount);
        _stacksDrainer.Drain(_object.Map(CpuProfileSchema.Stacks(slot)), _addStack);
        _stacksDrainer.Drain(_object.Map(KitSchema.StackReserve), _addReserved);
    }

    private void Publish(long startNs, long endNs, Event<CpuSampleTick>[] ticks)
    {
        // Processes first seen in this window were announced before their samples were counted:
        // publishing the announcements now puts them before the samples.
        _channel?.Flush();

        long total = 0;
        var durationNs = endNs - startNs;
        var samples = new Event<CpuStackSample>[_counts.Count];
        for (var i = 0; i < _counts.Count; i++)
        {
            var (key, count) = _counts[i];
            var tgid = (int)key.Tgid;
            var header = new EventHeader(CpuStackSample.Kind, startNs, tgid, (int)key.Tid) { DurationNs = durationNs };
            var payload = new CpuStackSample(Stack(key.UserStack), Stack(key.KernelStack), count, _names!.NameOf(tgid), PeriodNs: 1_000_000_000L / FrequencyHz);
            samples[i] = new Event<CpuStackSample>(header, payload);
            total += count;
        }

        Interlocked.Add(ref _recorded, total);
        RefreshCounters();
        try
        {
            // An empty window is published too (as nothing): the models' history shows the gap.
            _context.Sink.Publish(new EventBatch<CpuStackSample>(samples));
            _context.Sink.Publish(new EventBatch<CpuSampleTick>(ticks));
            ReportCap(startNs, endNs);
        }
        catch (Exception ex)
        {
            Interlocked.Increment(ref _subscriberErrors);
            Volatile.Write(ref _lastError, ex);
        }

        _context.Sink.Advance(endNs);
    }

    /// <summary>What the timeline did not get because of the cap, once per window.</summary>
    private void ReportCap(long startNs, long endNs)
    {
        IReadOnlyDictionary<string, long> kernel;
        lock (_gate)
        {
            kernel = _kernel;
        }

        var capped = kernel.GetValueOrDefault("ticks.capped");
        var delta = capped - _ticksCappedReported;
        _ticksCappedReported = capped;
        if (_context.Options.Get(CpuSourceProvider.Timeline))
        {
            var header = new EventHeader(StreamCap.Kind, startNs, 0, 0) { DurationNs = endNs - startNs };
            _context.Sink.Publish(new EventBatch<StreamCap>([new(header, new StreamCap("cpu.ticks", delta, _context.Options.Get(CpuSourceProvider.TimelineCap)))]));
        }
    }

    private ReadOnlyMemory<ulong> Stack(ulong hash)
    {
        if (hash == 0)
        {
            return ReadOnlyMemory<ulong>.Empty;
        }

        if (_stacks.TryGetValue(hash, out var frames) || _reserved.TryGetValue(hash, out frames) || _reservedBefore.TryGetValue(hash, out frames))
        {
            return frames;
        }

        // Should never happen: stacks are stored before the count that refers to them.
        Interlocked.Increment(ref _missingStacks);
        return ReadOnlyMemory<ulong>.Empty;
    }

    private void RefreshCounters()
    {
        var kernel = _object!.Counters.Read();
        var cost = _object.Cost();
        lock (_gate)
        {
            _kernel = kernel;
            _cost = cost;
        }
    }

    private void SetPaused(bool paused)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_state == SourceState.Disposed, this);
            if (_paused == paused)
            {
                return;
            }

            try
            {
                if (paused)
                {
                    _perf?.Disable();
                }
                else
                {
                    _perf?.Enable();
                }
            }
            catch (BpfException ex)
            {
                throw new UnavailableException(ErrorCode, $"source cpu: {(paused ? "pause" : "resume")}: {ex.Message}", ex.Detail, ex);
            }

            _paused = paused;
        }
    }

    /// <summary>On the loop's thread, after the final window.</summary>
    private void Release()
    {
        lock (_gate)
        {
            ReleaseLocked();
        }
    }

    /// <summary>Start failed: the loop starts last, so it never ran; what was created is released.</summary>
    private void FailLocked()
    {
        _state = SourceState.Failed;
        _loop = null;
        ReleaseLocked();
    }

    private void ReleaseLocked()
    {
        _perf?.Dispose();
        _perf = null;
        _tickRing?.Dispose();
        _tickRing = null;
        _object?.Dispose();
        _object = null;
    }
}
