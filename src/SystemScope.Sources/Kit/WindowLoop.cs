using SystemScope.Core.Events;
using SystemScope.Core.Sources;

namespace SystemScope.Sources.Kit;

/// <summary>
/// The thread of a source that aggregates in the kernel and collects once per window. It calls
/// <c>onWindow(start)</c> when a window ends, which collects it and returns when it ended (the moment
/// the programs switched to the next window) (the first window is short, so a new session shows
/// something at once), advances the source's watermark to the start of the open window on every
/// tick (no event before it will come), and on <see cref="Dispose"/> collects the last, partial
/// window (<c>onFinal(start)</c>) and then runs <c>onExit</c> (which releases the source's kernel
/// objects: on this thread, so that nothing is released under a collection in progress). A failing collection is counted and the loop goes on.
/// </summary>
internal sealed class WindowLoop : IDisposable
{
    private readonly ISourceSink _sink;
    private readonly long _windowNs;
    private readonly long _firstWindowNs;
    private readonly int _tickMs;
    private readonly Func<long, long> _onWindow;
    private readonly Func<long, long> _onFinal;
    private readonly Action _onExit;
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _stop = new(false);
    private long _windowStartNs;
    private long _windows;
    private long _errors;
    private Exception? _lastError;

    public WindowLoop(string threadName, ISourceSink sink, TimeSpan window, TimeSpan firstWindow, TimeSpan tick, Func<long, long> onWindow, Func<long, long> onFinal, Action onExit)
    {
        _sink = sink;
        _windowNs = (long)window.TotalNanoseconds;
        _firstWindowNs = Math.Min(_windowNs, (long)firstWindow.TotalNanoseconds);
        _tickMs = (int)Math.Max(1, tick.TotalMilliseconds);
        _onWindow = onWindow;
        _onFinal = onFinal;
        _onExit = onExit;
        _thread = new Thread(Run) { IsBackground = true, Name = threadName };
    }

    /// <summary>Windows collected, the final one included.</summary>
    public long Windows => Interlocked.Read(ref _windows);

    public long Errors => Interlocked.Read(ref _errors);

    public Exception? LastError => Volatile.Read(ref _lastError);

    /// <summary>Starts the first window now.</summary>
    public void Start()
    {
        Volatile.Write(ref _windowStartNs, MonotonicClock.NowNs());
        _thread.Start();
    }

    /// <summary>
    /// Ends the loop after collecting the last window; returns when it has been published and the
    /// kernel objects released (unless called from the loop's own thread, which finishes both on its way out).
    /// </summary>
    public void Dispose()
    {
        _stop.Set();
        if (_thread.IsAlive && Thread.CurrentThread != _thread)
        {
            _thread.Join();
        }
    }

    private void Run()
    {
        var nextNs = Volatile.Read(ref _windowStartNs) + _firstWindowNs;
        while (!_stop.IsSet)
        {
            var remainingNs = nextNs - MonotonicClock.NowNs();
            if (remainingNs > 0 && _stop.Wait((int)Math.Clamp((remainingNs + 999_999) / 1_000_000, 1, _tickMs)))
            {
                break;
            }

            _sink.Advance(Volatile.Read(ref _windowStartNs));
            var now = MonotonicClock.NowNs();
            if (now < nextNs)
            {
                continue;
            }

            Collect(_onWindow);
            now = MonotonicClock.NowNs();
            nextNs = nextNs + _windowNs > now ? nextNs + _windowNs : now + _windowNs;
        }

        Collect(_onFinal);
        try
        {
            _onExit();
        }
        catch (Exception ex)
        {
            // Nothing may escape a thread of ours: it would end the process.
            Interlocked.Increment(ref _errors);
            Volatile.Write(ref _lastError, ex);
        }
    }

    private void Collect(Func<long, long> collect)
    {
        var start = Volatile.Read(ref _windowStartNs);
        try
        {
            Volatile.Write(ref _windowStartNs, collect(start));
        }
        catch (Exception ex)
        {
            Interlocked.Increment(ref _errors);
            Volatile.Write(ref _lastError, ex);
        }
        finally
        {
            Interlocked.Increment(ref _windows);
        }
    }
}
