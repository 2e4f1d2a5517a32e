namespace SystemScope.Core.Analyses.Gpu;

/// <summary>
/// The windows of models that are fed call by call rather than a window per batch: a window closes
/// when every source has passed its end; when the session ends, the last (partial) one closes at the
/// latest time seen.
/// </summary>
public sealed class GpuWindows(long originNs, TimeSpan window)
{
    private readonly long _windowNs = Math.Max(1, (long)window.TotalNanoseconds);
    private long _start = originNs;
    private long _lastNs = originNs;

    public long WindowNs => _windowNs;

    /// <summary>Something happened at <paramref name="timeNs"/> (the last window reaches at least that far).</summary>
    public void Saw(long timeNs) => _lastNs = Math.Max(_lastNs, timeNs);

    /// <summary>The windows to close now that every source is past <paramref name="watermarkNs"/> (long.MaxValue: the session ended).</summary>
    public IEnumerable<(long StartNs, long EndNs)> Due(long watermarkNs)
    {
        var until = watermarkNs == long.MaxValue ? _lastNs : watermarkNs;
        while (until - _start >= _windowNs)
        {
            var start = _start;
            _start += _windowNs;
            yield return (start, _start);
        }

        if (watermarkNs == long.MaxValue && _lastNs > _start)
        {
            var start = _start;
            _start = _lastNs;
            yield return (start, _lastNs);
        }
    }
}
