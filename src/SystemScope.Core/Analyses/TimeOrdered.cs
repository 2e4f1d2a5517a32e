namespace SystemScope.Core.Analyses;

/// <summary>
/// Items of several layers kept until every source has passed their time, then taken in timestamp
/// order (ties in arrival order). The session loop orders whole batches; an analysis that correlates
/// layers event by event (a wakeup before the switch-in it caused, though they came in different
/// batches) merges them here and applies them on its tick.
/// </summary>
public sealed class TimeOrdered<T>
{
    private readonly List<(long Time, long Seq, T Item)> _items = [];
    private long _seq;

    public int Count => _items.Count;

    public void Add(long timeNs, T item) => _items.Add((timeNs, _seq++, item));

    /// <summary>Takes every item at or before <paramref name="watermarkNs"/> (all of them for long.MaxValue), oldest first.</summary>
    public void ApplyUpTo(long watermarkNs, Action<T> apply)
    {
        ArgumentNullException.ThrowIfNull(apply);
        _items.Sort(static (a, b) => a.Time != b.Time ? a.Time.CompareTo(b.Time) : a.Seq.CompareTo(b.Seq));
        var taken = 0;
        while (taken < _items.Count && _items[taken].Time <= watermarkNs)
        {
            taken++;
        }

        // Removed before applying, so an item that throws is not applied again.
        var ready = _items.GetRange(0, taken);
        _items.RemoveRange(0, taken);
        foreach (var (_, _, item) in ready)
        {
            apply(item);
        }
    }

    public void Clear() => _items.Clear();
}
