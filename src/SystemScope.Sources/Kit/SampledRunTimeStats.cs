using SystemScope.Bpf;

namespace SystemScope.Sources.Kit;

/// <summary>
/// The kernel's BPF run-time statistics on for a sample of the time: <see cref="On"/> out of every
/// <see cref="Period"/>, from the start. While they are on every program run pays two clock reads (on
/// a hot tracepoint such as sys_enter, as much as a fifth of the program's own cost), so held for the
/// whole session they would inflate what they measure; ns per run from samples is the same mean.
/// Run counts then cover the sampled time only. A timer runs only while a session holds this.
/// </summary>
internal sealed class SampledRunTimeStats : IDisposable
{
    public static readonly TimeSpan On = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private readonly Timer _timer;
    private BpfRunTimeStats? _held;
    private bool _disposed;

    private SampledRunTimeStats(BpfRunTimeStats first)
    {
        _held = first;
        _timer = new Timer(_ => Toggle(), null, On, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Turns statistics on now (for the first sample). Throws <see cref="BpfException"/> where the kernel refuses.</summary>
    public static SampledRunTimeStats Start() => new(BpfRunTimeStats.Enable());

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _timer.Dispose();
            _held?.Dispose();
            _held = null;
        }
    }

    private void Toggle()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            if (_held is not null)
            {
                _held.Dispose();
                _held = null;
                _timer.Change(Period - On, Timeout.InfiniteTimeSpan);
                return;
            }

            try
            {
                _held = BpfRunTimeStats.Enable();
            }
            catch (BpfException)
            {
                // It worked at the start; keep the figures of the samples taken so far.
            }

            _timer.Change(On, Timeout.InfiniteTimeSpan);
        }
    }
}
