namespace SystemScope.Core.Analyses.Stacks;

/// <summary>
/// Keeps a model's windows contiguous: sources hand over nothing for a window in which nothing
/// happened (an idle target, a paused session), so when every source has moved past a window's length
/// without data, the analysis closes it empty — the history then shows the gap as zero, and live
/// views get an update that says "still nothing".
/// </summary>
public sealed class WindowClock(long originNs, TimeSpan window)
{
    private readonly long _windowNs = Math.Max(1, (long)window.TotalNanoseconds);

    /// <summary>End of the last window closed (with data or empty).</summary>
    public long LastEndNs { get; private set; } = originNs;

    /// <summary>A window with data ended at <paramref name="endNs"/>.</summary>
    public void Closed(long endNs) => LastEndNs = Math.Max(LastEndNs, endNs);

    /// <summary>The empty windows to close now that every source is past <paramref name="watermarkNs"/>.</summary>
    public IEnumerable<(long StartNs, long EndNs)> Empty(long watermarkNs)
    {
        if (watermarkNs == long.MaxValue)
        {
            yield break;
        }

        while (watermarkNs - LastEndNs >= _windowNs)
        {
            var start = LastEndNs;
            LastEndNs += _windowNs;
            yield return (start, LastEndNs);
        }
    }

    public void Reset(long nowNs) => LastEndNs = nowNs;
}
