using SystemScope.Core.Events;
using SystemScope.Core.Events.Network;

namespace SystemScope.Core.Analyses.Network;

/// <summary>
/// The connections a session has seen: the live ones (the last snapshot of each) and the last
/// <see cref="MaxClosed"/> closed ones, plus per-process and per-remote totals of every closed
/// connection (bounded by key count). Pure bookkeeping, no models: <see cref="TcpAnalysis"/> turns it into tables.
/// </summary>
public sealed class TcpTables
{
    public const int MaxClosed = 5000;
    public const int MaxKeys = 4096;

    private readonly Dictionary<ulong, Seen> _live = [];
    private readonly Queue<Event<TcpConnection>> _closed = new();
    private readonly HashSet<ulong> _closedIds = [];
    private readonly Dictionary<int, Totals> _processes = [];
    private readonly Dictionary<string, Totals> _remotes = new(StringComparer.Ordinal);

    /// <summary>Closed connections left out of the table (beyond <see cref="MaxClosed"/>), and totals keys left out (beyond <see cref="MaxKeys"/>).</summary>
    public long Evicted { get; private set; }

    public IEnumerable<Event<TcpConnection>> Live => _live.Values.Select(s => s.Connection);

    public IEnumerable<Event<TcpConnection>> Closed => _closed;

    /// <summary>Where a connection's totals go by remote end: <c>ip:port</c> for connections this side opened, the peer's address for accepted ones.</summary>
    public static string RemoteKey(in TcpConnection c) => c.Side == TcpSide.Passive ? c.RemoteAddress : c.Remote;

    public void Add(in Event<TcpConnection> e, long seenAtNs)
    {
        var c = e.Payload;
        if (!c.Closed)
        {
            // A snapshot taken before the close was read may arrive after it.
            if (!_closedIds.Contains(c.Id))
            {
                _live[c.Id] = new Seen(e, seenAtNs);
            }

            return;
        }

        _live.Remove(c.Id);
        if (!_closedIds.Add(c.Id))
        {
            return;
        }

        _closed.Enqueue(e);
        if (_closed.Count > MaxClosed)
        {
            _closedIds.Remove(_closed.Dequeue().Payload.Id);
            Evicted++;
        }

        Accumulate(_processes, e.Header.Pid, e);
        Accumulate(_remotes, RemoteKey(c), e);
    }

    /// <summary>Forgets live connections not in the snapshots since <paramref name="olderThanNs"/> (closed unseen: their record was capped, or the filter dropped them).</summary>
    public void Expire(long olderThanNs)
    {
        foreach (var (id, seen) in _live.Where(l => l.Value.SeenAtNs < olderThanNs).ToList())
        {
            _live.Remove(id);
        }
    }

    /// <summary>Per process: closed totals plus the live connections' counts now.</summary>
    public IEnumerable<(int Pid, Totals Totals)> ByProcess()
    {
        var result = _processes.ToDictionary(p => p.Key, p => p.Value.Copy());
        foreach (var seen in _live.Values)
        {
            Accumulate(result, seen.Connection.Header.Pid, seen.Connection, bounded: false);
        }

        return result.Select(p => (p.Key, p.Value));
    }

    public IEnumerable<(string Remote, Totals Totals)> ByRemote()
    {
        var result = _remotes.ToDictionary(p => p.Key, p => p.Value.Copy(), StringComparer.Ordinal);
        foreach (var seen in _live.Values)
        {
            Accumulate(result, RemoteKey(seen.Connection.Payload), seen.Connection, bounded: false);
        }

        return result.Select(p => (p.Key, p.Value));
    }

    public void Clear()
    {
        _live.Clear();
        _closed.Clear();
        _closedIds.Clear();
        _processes.Clear();
        _remotes.Clear();
        Evicted = 0;
    }

    private void Accumulate<TKey>(Dictionary<TKey, Totals> totals, TKey key, in Event<TcpConnection> e, bool bounded = true)
        where TKey : notnull
    {
        if (!totals.TryGetValue(key, out var t))
        {
            if (bounded && totals.Count >= MaxKeys)
            {
                Evicted++;
                return;
            }

            totals[key] = t = new Totals();
        }

        var c = e.Payload;
        t.Name = c.Comm.Length > 0 ? c.Comm : t.Name;
        t.Connections++;
        t.Live += c.Closed ? 0 : 1;
        t.BytesSent += c.BytesSent;
        t.BytesReceived += c.BytesReceived;
        t.Retransmits += c.Retransmits;
        t.Resets += c.ResetsSent + c.ResetsReceived;
        if (c.RttUs > 0)
        {
            t.RttSumUs += c.RttUs;
            t.RttCount++;
        }
    }

    private readonly record struct Seen(Event<TcpConnection> Connection, long SeenAtNs);

    /// <summary>Sums over connections.</summary>
    public sealed class Totals
    {
        public string Name { get; set; } = string.Empty;

        public long Connections { get; set; }

        public long Live { get; set; }

        public long BytesSent { get; set; }

        public long BytesReceived { get; set; }

        public long Retransmits { get; set; }

        public long Resets { get; set; }

        public long RttSumUs { get; set; }

        public long RttCount { get; set; }

        public long RttAverageUs => RttCount == 0 ? 0 : RttSumUs / RttCount;

        public Totals Copy() => (Totals)MemberwiseClone();
    }
}
