using SystemScope.Core.Events;
using SystemScope.Core.Sources;

namespace SystemScope.Core.Sessions;

/// <summary>
/// The session's analysis thread. Sources hand over owned batches (never blocking: a full queue
/// drops the batch and counts it against the source); the loop delivers them to the analyses in
/// timestamp order across sources: a batch is released once every source's watermark has passed
/// its last event, or after <see cref="MaxHold"/> at the latest, so one silent source never stalls
/// the others. Control actions (reset, filter changes) run on the same thread between batches, so
/// analyses are never called concurrently. Batches are also delivered at once, on the publishing
/// thread, to the direct bus (cheap subscribers such as symbolisation, which must see a new process
/// before it can exit).
/// </summary>
internal sealed class SessionLoop : IDisposable
{
    private readonly EventBus _bus;
    private readonly EventBus _direct;
    private readonly int _maxBatches;
    private readonly long _maxEvents;
    private readonly TimeSpan _tick;
    private readonly Action<long> _onTick;
    private readonly Lock _gate = new();
    private readonly AutoResetEvent _wake = new(false);
    private readonly Queue<Envelope> _incoming = new();
    private readonly Queue<Control> _controls = new();
    private readonly List<Envelope> _pending = [];
    private readonly List<Sink> _sinks = [];
    private readonly Thread _thread;
    private long _queuedEvents;
    private long _lateBatches;
    private long _analysisErrors;
    private Exception? _lastAnalysisError;
    private bool _stopping;
    private bool _started;

    public SessionLoop(EventBus bus, EventBus direct, int maxBatches, long maxEvents, TimeSpan tick, TimeSpan maxHold, Action<long> onTick, string name)
    {
        _bus = bus;
        _direct = direct;
        _maxBatches = maxBatches;
        _maxEvents = maxEvents;
        _tick = tick;
        MaxHold = maxHold;
        _onTick = onTick;
        _thread = new Thread(Run) { IsBackground = true, Name = name };
    }

    /// <summary>Longest a batch waits for slower sources before it is delivered anyway (then counted as late).</summary>
    public TimeSpan MaxHold { get; }

    public long LateBatches => Interlocked.Read(ref _lateBatches);

    public long AnalysisErrors => Interlocked.Read(ref _analysisErrors);

    public Exception? LastAnalysisError => Volatile.Read(ref _lastAnalysisError);

    /// <summary>The sink a source publishes to; its counters are the source's queue figures.</summary>
    public Sink SinkFor(string sourceId, long originNs)
    {
        var sink = new Sink(this, sourceId, originNs);
        lock (_gate)
        {
            _sinks.Add(sink);
        }

        return sink;
    }

    public void Start()
    {
        _started = true;
        _thread.Start();
    }

    /// <summary>Runs <paramref name="action"/> on the loop thread between batches; completes when it has run.</summary>
    public Task Post(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (_stopping || !_started)
            {
                // Not running (yet or any more): nothing else can be calling the analyses.
                RunControl(new Control(action, done));
                return done.Task;
            }

            _controls.Enqueue(new Control(action, done));
        }

        Wake();
        return done.Task;
    }

    /// <summary>Delivers everything queued (in order) and ends the thread. Sources must be stopped first.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_stopping)
            {
                return;
            }

            _stopping = true;
        }

        Wake();
        if (_started && Thread.CurrentThread != _thread)
        {
            _thread.Join();
        }
    }

    private void Wake()
    {
        try
        {
            _wake.Set();
        }
        catch (ObjectDisposedException)
        {
            // Stopped: nothing to wake.
        }
    }

    private void Run()
    {
        var nextTick = Environment.TickCount64 + (long)_tick.TotalMilliseconds;
        while (true)
        {
            var wait = Math.Max(0, nextTick - Environment.TickCount64);
            _wake.WaitOne(TimeSpan.FromMilliseconds(Math.Min(wait, (long)_tick.TotalMilliseconds)));
            bool stopping;
            lock (_gate)
            {
                stopping = _stopping;
            }

            RunControls();
            TakeIncoming();

            // One watermark for both: a tick must not see time whose batches were not released yet.
            var watermark = Watermark();
            ReleaseReady(watermark, flushAll: stopping);
            if (stopping)
            {
                RunControls();

                // Every source has stopped: analyses that hold items for ordering let them all go.
                Guard(() => _onTick(long.MaxValue));
                return;
            }

            if (Environment.TickCount64 >= nextTick)
            {
                nextTick = Environment.TickCount64 + (long)_tick.TotalMilliseconds;
                Guard(() => _onTick(watermark));
            }
        }
    }

    private void RunControls()
    {
        while (true)
        {
            Control control;
            lock (_gate)
            {
                if (!_controls.TryDequeue(out control))
                {
                    return;
                }
            }

            RunControl(control);
        }
    }

    private static void RunControl(Control control)
    {
        try
        {
            control.Action();
            control.Done.TrySetResult();
        }
        catch (Exception ex)
        {
            control.Done.TrySetException(ex);
        }
    }

    private void TakeIncoming()
    {
        lock (_gate)
        {
            while (_incoming.TryDequeue(out var envelope))
            {
                _pending.Add(envelope);
            }
        }
    }

    private void ReleaseReady(long watermark, bool flushAll)
    {
        if (_pending.Count == 0)
        {
            return;
        }

        var now = Environment.TickCount64;
        var holdMs = (long)MaxHold.TotalMilliseconds;
        _pending.Sort(static (a, b) => a.Batch.FirstTimestampNs.CompareTo(b.Batch.FirstTimestampNs));
        var kept = 0;
        for (var i = 0; i < _pending.Count; i++)
        {
            var envelope = _pending[i];
            var ready = envelope.Batch.LastTimestampNs <= watermark;
            if (flushAll || ready || now - envelope.QueuedAtMs >= holdMs)
            {
                if (!ready && !flushAll)
                {
                    Interlocked.Increment(ref _lateBatches);
                }

                Deliver(envelope);
            }
            else
            {
                _pending[kept++] = envelope;
            }
        }

        _pending.RemoveRange(kept, _pending.Count - kept);
    }

    private void Deliver(Envelope envelope)
    {
        Interlocked.Add(ref _queuedEvents, -envelope.Batch.Count);
        Guard(() => envelope.Batch.DeliverTo(_bus));
        envelope.Sink.Delivered(envelope.Batch.Count);
    }

    private void Guard(Action action)
    {
        try
        {
            action();
        }
        catch (Exception ex)
        {
            // One failing analysis must not stop the loop (or the others: the bus isolates subscribers).
            Interlocked.Increment(ref _analysisErrors);
            Volatile.Write(ref _lastAnalysisError, ex is AggregateException { InnerExceptions.Count: 1 } one ? one.InnerExceptions[0] : ex);
        }
    }

    /// <summary>The earliest watermark of the sources still publishing (long.MaxValue when none is).</summary>
    private long Watermark()
    {
        var min = long.MaxValue;
        lock (_gate)
        {
            foreach (var sink in _sinks)
            {
                if (!sink.Completed)
                {
                    min = Math.Min(min, sink.WatermarkNs);
                }
            }
        }

        return min;
    }

    private bool Enqueue(Sink sink, IEventBatch batch)
    {
        lock (_gate)
        {
            if (_stopping)
            {
                return false;
            }

            if (_incoming.Count + _pending.Count >= _maxBatches || Interlocked.Read(ref _queuedEvents) + batch.Count > _maxEvents)
            {
                return false;
            }

            Interlocked.Add(ref _queuedEvents, batch.Count);
            _incoming.Enqueue(new Envelope(sink, batch, Environment.TickCount64));
        }

        Wake();
        return true;
    }

    private void PublishDirect(IEventBatch batch) => batch.DeliverTo(_direct);

    private readonly record struct Envelope(Sink Sink, IEventBatch Batch, long QueuedAtMs);

    private readonly record struct Control(Action Action, TaskCompletionSource Done);

    /// <summary>One source's way into the loop, with its queue counters.</summary>
    internal sealed class Sink(SessionLoop loop, string sourceId, long originNs) : ISourceSink
    {
        private long _watermark = originNs;
        private long _batches;
        private long _events;
        private long _dropped;
        private long _droppedEvents;
        private long _delivered;
        private long _directErrors;
        private volatile bool _completed;

        public string SourceId { get; } = sourceId;

        public long WatermarkNs => Interlocked.Read(ref _watermark);

        public bool Completed => _completed;

        public long Batches => Interlocked.Read(ref _batches);

        public long Events => Interlocked.Read(ref _events);

        /// <summary>Batches the full queue refused.</summary>
        public long DroppedBatches => Interlocked.Read(ref _dropped);

        public long DroppedEvents => Interlocked.Read(ref _droppedEvents);

        public long DeliveredEvents => Interlocked.Read(ref _delivered);

        public long DirectErrors => Interlocked.Read(ref _directErrors);

        public void Publish<TPayload>(EventBatch<TPayload> batch)
            where TPayload : struct
        {
            ArgumentNullException.ThrowIfNull(batch);
            if (batch.Count == 0)
            {
                return;
            }

            Interlocked.Increment(ref _batches);
            Interlocked.Add(ref _events, batch.Count);
            try
            {
                loop.PublishDirect(batch);
            }
            catch (Exception)
            {
                Interlocked.Increment(ref _directErrors);
            }

            if (!loop.Enqueue(this, batch))
            {
                Interlocked.Increment(ref _dropped);
                Interlocked.Add(ref _droppedEvents, batch.Count);
            }
        }

        public void Advance(long timestampNs)
        {
            long current;
            do
            {
                current = Interlocked.Read(ref _watermark);
                if (timestampNs <= current)
                {
                    return;
                }
            }
            while (Interlocked.CompareExchange(ref _watermark, timestampNs, current) != current);
        }

        /// <summary>The source has stopped and published everything: it no longer holds the others back.</summary>
        public void Complete()
        {
            _completed = true;
            loop.Wake();
        }

        internal void Delivered(int count) => Interlocked.Add(ref _delivered, count);
    }
}
