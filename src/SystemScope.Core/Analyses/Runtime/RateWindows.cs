using SystemScope.Core.Models.TimeSeries;

namespace SystemScope.Core.Analyses.Runtime;

/// <summary>
/// Sums values into fixed windows from the session's start and writes each window to a time series as
/// a rate per second once every source is past its end (so a window is written once, complete; quiet
/// windows are written as zeros).
/// </summary>
public sealed class RateWindows(TimeSeriesModel model, long originNs, TimeSpan window, IReadOnlyList<(string Name, string Label)> series)
{
    private readonly long _windowNs = Math.Max(1, (long)window.TotalNanoseconds);
    private readonly double[] _sums = new double[series.Count];
    private long _start = originNs;
    private bool _any;

    public void Add(long timestampNs, int series, double value)
    {
        if (timestampNs < _start)
        {
            timestampNs = _start; // late: counted in the window still open
        }

        _sums[series] += value;
        _any = true;
    }

    public void Flush(long watermarkNs)
    {
        if (watermarkNs == long.MaxValue)
        {
            return;
        }

        while (watermarkNs - _start >= _windowNs)
        {
            var seconds = _windowNs / 1e9;
            var start = _start;
            model.Add(start, start + _windowNs, series.Select((s, i) => (s.Name, s.Label, _sums[i] / seconds)).ToList());
            Array.Clear(_sums);
            _start += _windowNs;
            _any = false;
        }
    }

    public void Reset(long nowNs)
    {
        Array.Clear(_sums);
        _start = nowNs;
        _any = false;
    }

    public bool Pending => _any;
}
