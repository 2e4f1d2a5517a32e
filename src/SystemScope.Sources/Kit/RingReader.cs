using SystemScope.Bpf;
using SystemScope.Core.Events;
using SystemScope.Core.Sources;

namespace SystemScope.Sources.Kit;

/// <summary>
/// Decodes one ring buffer's records into events and hands them over as one owned batch per read.
/// <see cref="IRingBufferConsumer.OnRecord"/> runs inside the ring buffer callback: copy values out,
/// keep no reference to the record.
/// </summary>
internal interface IRecordBatcher : IRingBufferConsumer
{
    /// <summary>Publishes what was decoded since the last call (nothing when nothing was).</summary>
    void Flush(ISourceSink sink);
}

/// <summary>
/// The reader thread of ring-buffer sources. Producers submit with batched wakeups (kit/emit.h), so
/// the thread waits for a wakeup or <c>pollInterval</c>, whichever comes first, then consumes every
/// ring, publishes one batch per ring and advances the source's watermark: every record stamped before
/// the read began has been handed over. <see cref="Drain"/> does the same on the caller's thread, so
/// another source can make sure what it announced is published before what it publishes next.
/// </summary>
internal sealed class RingReader : IDisposable
{
    // A program stamps its record before it reserves and submits it, microseconds later: what was
    // stamped this long before a read has been submitted by then.
    private static readonly long SubmitSlackNs = (long)TimeSpan.FromMilliseconds(1).TotalNanoseconds;

    private readonly Lock _gate = new();
    private readonly List<(RingBuffer Ring, IRecordBatcher Batcher)> _rings = [];
    private readonly ISourceSink _sink;
    private readonly int _pollMs;
    private readonly Thread _thread;
    private volatile bool _stop;
    private bool _disposed;
    private long _reads;
    private long _errors;
    private Exception? _lastError;

    public RingReader(string threadName, ISourceSink sink, TimeSpan pollInterval)
    {
        _sink = sink;
        _pollMs = (int)Math.Max(1, pollInterval.TotalMilliseconds);
        _thread = new Thread(Run) { IsBackground = true, Name = threadName };
    }

    public long Reads => Interlocked.Read(ref _reads);

    /// <summary>Failures of reads (the thread goes on) and of subscribers' handling of the batches.</summary>
    public long Errors => Interlocked.Read(ref _errors);

    public Exception? LastError => Volatile.Read(ref _lastError);

    /// <summary>Records whose decoder threw, over all rings.</summary>
    public long DecoderErrors
    {
        get
        {
            lock (_gate)
            {
                return _rings.Sum(r => r.Ring.ConsumerErrors);
            }
        }
    }

    /// <summary>Adds a ring (before <see cref="Start"/>). The thread waits on the first ring's wakeups; the others are read on every poll.</summary>
    public void Add(BpfMap ring, IRecordBatcher batcher)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _rings.Add((RingBuffer.Open(ring, batcher), batcher));
        }
    }

    public void Start() => _thread.Start();

    /// <summary>Reads and publishes what the rings hold now, on the calling thread; returns the records read.</summary>
    public int Drain()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return 0;
            }

            var readAt = MonotonicClock.NowNs();
            var records = 0;
            foreach (var (ring, batcher) in _rings)
            {
                // Records submitted without a wakeup are only collected by consume.
                records += ring.Consume();
                try
                {
                    batcher.Flush(_sink);
                }
                catch (Exception ex)
                {
                    Failed(ex);
                }
            }

            _sink.Advance(readAt - SubmitSlackNs);
            Interlocked.Increment(ref _reads);
            return records;
        }
    }

    /// <summary>Stops the thread, reads what is left, and frees the rings. Producers should have stopped first.</summary>
    public void Dispose()
    {
        _stop = true;
        if (_thread.IsAlive && Thread.CurrentThread != _thread)
        {
            _thread.Join();
        }

        Drain();
        lock (_gate)
        {
            _disposed = true;
            foreach (var (ring, _) in _rings)
            {
                ring.Dispose();
            }

            _rings.Clear();
        }
    }

    private void Run()
    {
        RingBuffer? first;
        lock (_gate)
        {
            first = _rings.Count > 0 ? _rings[0].Ring : null;
        }

        while (!_stop)
        {
            try
            {
                if (first is null)
                {
                    Thread.Sleep(_pollMs);
                }
                else
                {
                    first.Wait(_pollMs);
                }

                Drain();
            }
            catch (Exception ex)
            {
                Failed(ex);
                Thread.Sleep(_pollMs);
            }
        }
    }

    private void Failed(Exception ex)
    {
        Interlocked.Increment(ref _errors);
        Volatile.Write(ref _lastError, ex);
    }
}
