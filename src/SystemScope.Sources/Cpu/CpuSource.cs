using System.Runtime.InteropServices;
using SystemScope.Bpf;
using SystemScope.Core.Errors;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Cpu;
using SystemScope.Core.Events.Process;
using SystemScope.Core.Sessions;
using SystemScope.Core.Sources;

namespace SystemScope.Sources.Cpu;

/// <summary>
/// On-CPU sampling for one session. Start loads <c>cpu_profile.bpf.o</c>, opens a cpu-clock perf event
/// per online CPU and attaches the sampling program to each, then one reader thread (a) polls the
/// lifecycle ring buffer and publishes <see cref="ProcessLifecycle"/> batches and (b) once per window
/// flips the active slot, waits for programs still writing the old one, drains it, and publishes one
/// batch of <see cref="CpuStackSample"/>. Lifecycle records are always published before the samples
/// of the same window. Pause, resume and retarget change the running programs' inputs; nothing is
/// reloaded. Dispose stops sampling, drains what is left, and releases every kernel object.
/// </summary>
internal sealed class CpuSource : ISource
{
    private const string ErrorCode = "source-unavailable";

    private readonly SourceContext _context;
    private readonly CpuSourceOptions _options;
    private readonly Lock _gate = new();
    private readonly ProcessNames _names = new();
    private readonly CpuSlotDrainer _drainer = new();
    private readonly List<PerfEventHandle> _perfEvents = [];
    private readonly List<BpfLink> _links = [];
    private readonly IDisposable _filterSubscription;
    private CpuProfileObject? _profile;
    private RingBuffer? _ringBuffer;
    private CpuLifecycleDecoder? _lifecycle;
    private Thread? _reader;
    private CpuConfig _config;
    private ProcessFilter _filter;
    private SourceState _state;
    private bool _paused;
    private volatile bool _stopRequested;
    private long _windowStartNs;
    private long _recorded;
    private long _lost;
    private CpuCounters _counters = CpuCounters.Zero;
    private long _windows;
    private long _readerErrors;
    private long _subscriberErrors;
    private Exception? _lastError;

    public CpuSource(SourceContext context, CpuSourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        _options = options;
        FrequencyHz = (int)context.Options.Get(CpuSourceProvider.Frequency);
        _filter = context.Filter.Current;
        _filterSubscription = context.Filter.Subscribe(Retarget);
    }

    /// <summary>Samples per second per CPU, from the session's options.</summary>
    public int FrequencyHz { get; }

    private enum SourceState
    {
        Created,
        Running,
        Failed,
        Disposed,
    }

    public SourceDescriptor Descriptor => CpuSourceProvider.SourceDescriptor;

    /// <summary>Samples recorded (drained from the kernel).</summary>
    internal long Recorded => Interlocked.Read(ref _recorded);

    /// <summary>Samples the kernel could not record.</summary>
    internal long Lost => Interlocked.Read(ref _lost);

    public IReadOnlyList<SourceCounter> Counters
    {
        get
        {
            var kernel = Counters0;
            return
            [
                new("samples", Recorded, CounterKind.Events, "samples recorded in the kernel and collected"),
                new("samples.skipped", kernel.Skipped, CounterKind.Info, "samples of the idle task, the agent or processes outside the filter"),
                new("lost.counts_full", kernel.LostCountsFull, CounterKind.Lost, "samples lost: the counts table was full"),
                new("lost.stacks_full", kernel.LostStacksFull, CounterKind.Lost, "samples lost: the stacks table was full"),
                new("lost.other", kernel.LostOther, CounterKind.Lost, "samples lost for another reason"),
                new("stack_errors.user", kernel.UserStackErrors, CounterKind.Info, "user stacks the kernel could not walk (recorded without)"),
                new("stack_errors.kernel", kernel.KernelStackErrors, CounterKind.Info, "kernel stacks the kernel could not walk"),
                new("lifecycle.lost", kernel.EventsLost, CounterKind.Lost, "process announcements dropped: ring buffer full"),
                new("windows", Windows, CounterKind.Info, "collection windows drained"),
            ];
        }
    }

    /// <summary>What was loaded: sampling and lifecycle mechanisms.</summary>
    public IReadOnlyList<string> Mechanisms { get; private set; } = [];

    internal long Windows => Interlocked.Read(ref _windows);

    /// <summary>The kernel's counters as read after the last drain (after the final one once disposed).</summary>
    internal CpuCounters Counters0 => Volatile.Read(ref _counters);

    internal long ReaderErrors => Interlocked.Read(ref _readerErrors);

    internal long SubscriberErrors => Interlocked.Read(ref _subscriberErrors);

    internal Exception? LastError => Volatile.Read(ref _lastError);

    internal long MissingStacks => _drainer.MissingStacks;

    internal bool UsesBatchDrain => _drainer.UsesBatches;

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
            }
            catch (BpfException ex)
            {
                ReleaseKernelObjects();
                _state = SourceState.Failed;
                throw new UnavailableException(ErrorCode, $"source cpu: {ex.Message}", ex.Detail, ex);
            }
            catch (DllNotFoundException ex)
            {
                ReleaseKernelObjects();
                _state = SourceState.Failed;
                throw new UnavailableException(ErrorCode, $"source cpu: libbpf is not available: {ex.Message}", null, ex);
            }
            catch
            {
                ReleaseKernelObjects();
                _state = SourceState.Failed;
                throw;
            }
        }
    }

    public void Pause() => SetPaused(true);

    public void Resume() => SetPaused(false);

    /// <summary>Follows the session's filter: the running programs see the new pids on their next sample.</summary>
    private void Retarget(ProcessFilter filter)
    {
        lock (_gate)
        {
            if (_state == SourceState.Disposed)
            {
                return;
            }

            _filter = filter;
            if (_state != SourceState.Running)
            {
                return;
            }

            try
            {
                ApplyTarget(filter);
            }
            catch (BpfException ex)
            {
                throw new UnavailableException(ErrorCode, $"source cpu: filter {filter}: {ex.Message}", ex.Detail, ex);
            }
        }
    }

    /// <summary>Reads the kernel's counters now (diagnostics and tests).</summary>
    internal CpuCounters ReadCounters()
    {
        lock (_gate)
        {
            return _profile is null ? throw new InvalidOperationException("source cpu: not running") : CpuCounters.Read(_profile);
        }
    }

    public void Dispose()
    {
        Thread? reader;
        lock (_gate)
        {
            if (_state == SourceState.Disposed)
            {
                return;
            }

            var running = _state == SourceState.Running;
            _state = SourceState.Disposed;
            _filterSubscription.Dispose();
            if (!running)
            {
                ReleaseKernelObjects();
                return;
            }

            // Stop sampling first: once the links are gone no program writes the maps, so the final
            // drain below sees everything that was sampled.
            DisposeAll(_links);
            DisposeAll(_perfEvents);
            _stopRequested = true;
            reader = _reader;
        }

        // The reader drains, publishes and releases the object and ring buffer on its way out. A
        // subscriber that disposes the source from inside a batch cannot wait for itself.
        if (reader is not null && reader != Thread.CurrentThread)
        {
            reader.Join();
        }
    }

    private void StartLocked()
    {
        var spec = _context.Spec;
        var cpus = Cpus.Online();
        _profile = CpuProfileObject.Load(
            _options,
            _options.CountsFor(FrequencyHz, spec.Window, cpus.Count),
            _options.StacksFor(FrequencyHz, spec.Window, cpus.Count));
        Mechanisms = _profile.Mechanisms;

        _config = new CpuConfig
        {
            AgentTgid = (uint)_context.AgentPid,
            IncludeAgent = spec.IncludeAgent ? 1u : 0u,
            IncludeIdle = _options.IncludeIdle ? 1u : 0u,
        };
        ApplyTarget(_filter);

        _lifecycle = new CpuLifecycleDecoder(_names);
        _ringBuffer = RingBuffer.Open(_profile.Events, _lifecycle);
        _links.Add(_profile.Exec.Attach());
        _links.Add(_profile.Exit.Attach());

        _windowStartNs = MonotonicClock.NowNs();
        foreach (var cpu in cpus)
        {
            var perf = PerfEventHandle.OpenCpuClock(cpu, FrequencyHz);
            _perfEvents.Add(perf);
            _links.Add(_profile.Sample.AttachPerfEvent(perf)); // enables the event
            if (_paused)
            {
                perf.Disable();
            }
        }

        _state = SourceState.Running;
        _reader = new Thread(ReadLoop) { IsBackground = true, Name = "systemscope cpu source" };
        _reader.Start();
    }

    private void ReadLoop()
    {
        var windowNs = _context.Spec.Window.Ticks * 100;
        var pollMs = (int)Math.Max(1, _options.PollInterval.TotalMilliseconds);
        // The first window is short so a new profile shows up at once; later ones are full windows.
        var nextFlipNs = Volatile.Read(ref _windowStartNs) + Math.Min(windowNs, (long)_options.FirstWindow.TotalNanoseconds);
        while (!_stopRequested)
        {
            try
            {
                var remainingNs = nextFlipNs - MonotonicClock.NowNs();
                var waitMs = (int)Math.Clamp((remainingNs + 999_999) / 1_000_000, 0, pollMs);
                _ringBuffer!.Poll(waitMs);
                CollectLifecycle();
                AdvanceWatermark();
                if (!_stopRequested && MonotonicClock.NowNs() >= nextFlipNs)
                {
                    FlipAndDrain();
                    var now = MonotonicClock.NowNs();
                    nextFlipNs = nextFlipNs + windowNs > now ? nextFlipNs + windowNs : now + windowNs;
                }
            }
            catch (Exception ex)
            {
                Failed(ex);
                Thread.Sleep(pollMs);
            }
        }

        try
        {
            FinalDrain();
        }
        catch (Exception ex)
        {
            Failed(ex);
        }
        finally
        {
            lock (_gate)
            {
                ReleaseKernelObjects();
            }
        }
    }

    private void FlipAndDrain()
    {
        int drained;
        long windowStart, flip;
        lock (_gate)
        {
            drained = (int)_config.ActiveSlot;
            _config.ActiveSlot ^= 1;
            WriteConfig();
            flip = MonotonicClock.NowNs();
            windowStart = _windowStartNs;
            _windowStartNs = flip;
        }

        // Programs that read the old slot number just before the flip finish within microseconds.
        Thread.Sleep(_options.SettleDelay);

        // Processes first seen in the drained slot were announced before their samples were counted.
        CollectLifecycle();
        _drainer.Drain(_profile!.Counts(drained), _profile.Stacks(drained));
        PublishSamples(windowStart, flip - windowStart);
    }

    private void FinalDrain()
    {
        // Sampling has stopped (links destroyed); let the last programs finish.
        Thread.Sleep(_options.SettleDelay);
        CollectLifecycle();
        int active;
        long windowStart;
        lock (_gate)
        {
            active = (int)_config.ActiveSlot;
            windowStart = _windowStartNs;
        }

        var end = MonotonicClock.NowNs();
        _drainer.Drain(_profile!.Counts(active), _profile.Stacks(active));
        _drainer.DrainMore(_profile.Counts(active ^ 1), _profile.Stacks(active ^ 1));
        PublishSamples(windowStart, end - windowStart);
    }

    private void CollectLifecycle()
    {
        // Records submitted without a wakeup are only collected by consume.
        _ringBuffer!.Consume();
        if (_lifecycle!.Pending == 0)
        {
            return;
        }

        Publish(EventBatch<ProcessLifecycle>.CopyOf(_lifecycle.Batch));
        _lifecycle.Clear();
    }

    /// <summary>Everything before the window in flight has been handed over (the open window starts at _windowStartNs).</summary>
    private void AdvanceWatermark()
    {
        long start;
        lock (_gate)
        {
            start = _windowStartNs;
        }

        _context.Sink.Advance(start);
    }

    private void PublishSamples(long windowStartNs, long durationNs)
    {
        long total = 0;
        var counts = _drainer.Counts;
        var samples = new Event<CpuStackSample>[counts.Length];
        for (var i = 0; i < counts.Length; i++)
        {
            var (key, count) = counts[i];
            var tgid = (int)key.Tgid;
            var header = new EventHeader(CpuStackSample.Kind, windowStartNs, tgid, (int)key.Tid) { DurationNs = durationNs };
            var payload = new CpuStackSample(_drainer.Stack(key.UserStack), _drainer.Stack(key.KernelStack), count, _names.NameOf(tgid));
            samples[i] = new Event<CpuStackSample>(header, payload);
            total += count;
        }

        Interlocked.Add(ref _recorded, total);
        var counters = CpuCounters.Read(_profile!);
        Volatile.Write(ref _counters, counters);
        Interlocked.Exchange(ref _lost, counters.Lost);
        try
        {
            // An empty window is published too (as nothing): the models' history shows the gap.
            Publish(new EventBatch<CpuStackSample>(samples));
            _context.Sink.Advance(windowStartNs + durationNs);
        }
        finally
        {
            _names.Drained();
            Interlocked.Increment(ref _windows);
        }
    }

    /// <summary>A subscriber that throws is counted; the others still got the batch and the reader goes on.</summary>
    private void Publish<T>(EventBatch<T> events)
        where T : struct
    {
        try
        {
            _context.Sink.Publish(events);
        }
        catch (Exception ex)
        {
            Interlocked.Increment(ref _subscriberErrors);
            Volatile.Write(ref _lastError, ex);
        }
    }

    private void Failed(Exception ex)
    {
        Interlocked.Increment(ref _readerErrors);
        Volatile.Write(ref _lastError, ex);
    }

    private void SetPaused(bool paused)
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            if (_paused == paused)
            {
                return;
            }

            try
            {
                foreach (var perf in _perfEvents)
                {
                    if (paused)
                    {
                        perf.Disable();
                    }
                    else
                    {
                        perf.Enable();
                    }
                }
            }
            catch (BpfException ex)
            {
                throw new UnavailableException(ErrorCode, $"source cpu: {(paused ? "pause" : "resume")}: {ex.Message}", ex.Detail, ex);
            }

            _paused = paused;
        }
    }

    /// <summary>Rewrites target_tgids and the filter flag; the running programs see it on their next sample.</summary>
    private void ApplyTarget(ProcessFilter filter)
    {
        var targets = _profile!.Targets;
        if (filter.Pids.Count > 0)
        {
            var keep = filter.Pids.Select(p => (uint)p).ToHashSet();
            if (_config.FilterEnabled != 0)
            {
                // Switching processes: drop the old ones first, so no moment accepts both.
                ClearTargets(keep);
            }

            foreach (var key in keep)
            {
                targets.Update(key, (byte)1);
            }

            if (_config.FilterEnabled == 0)
            {
                _config.FilterEnabled = 1;
                WriteConfig();
                ClearTargets(keep);
            }
        }
        else
        {
            _config.FilterEnabled = 0;
            WriteConfig();
            ClearTargets([]);
        }
    }

    private void ClearTargets(HashSet<uint> except)
    {
        var targets = _profile!.Targets;
        var stale = new List<uint>();
        uint current = 0, next = 0;
        for (var more = targets.TryGetNextKey([], MemoryMarshal.AsBytes(new Span<uint>(ref next)));
             more;
             more = targets.TryGetNextKey(MemoryMarshal.AsBytes(new Span<uint>(ref current)), MemoryMarshal.AsBytes(new Span<uint>(ref next))))
        {
            if (!except.Contains(next))
            {
                stale.Add(next);
            }

            current = next;
        }

        foreach (var tgid in stale)
        {
            targets.TryDelete(tgid);
        }
    }

    private void WriteConfig() => _profile!.Config.Update(0u, _config);

    private void ReleaseKernelObjects()
    {
        DisposeAll(_links);
        DisposeAll(_perfEvents);
        _ringBuffer?.Dispose();
        _ringBuffer = null;
        _profile?.Dispose();
        _profile = null;
    }

    private static void DisposeAll<T>(List<T> items)
        where T : IDisposable
    {
        foreach (var item in items)
        {
            item.Dispose();
        }

        items.Clear();
    }

    private void ThrowIfDisposed() =>
        ObjectDisposedException.ThrowIf(_state == SourceState.Disposed, this);
}
