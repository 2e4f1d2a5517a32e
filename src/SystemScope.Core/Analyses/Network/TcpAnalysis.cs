using SystemScope.Core.Events;
using SystemScope.Core.Events.Network;
using SystemScope.Core.Models;
using SystemScope.Core.Models.Table;
using SystemScope.Core.Models.TimeSeries;
using SystemScope.Core.Sessions;

namespace SystemScope.Core.Analyses.Network;

/// <summary>
/// The TCP layer's figures: every connection, live and closed (<c>tcp.connections</c>), totals per
/// process (<c>tcp.processes</c>) and per remote end (<c>tcp.remotes</c>), throughput
/// (<c>tcp.throughput</c>), retransmits, resets, opens and closes per second (<c>tcp.events</c>) and
/// listen-queue overflows and drops per second (<c>tcp.listen</c>).
/// </summary>
public sealed class TcpAnalysis : IAnalysis, IEventSink<TcpConnection>, IEventSink<TcpWindow>
{
    public const string SourceId = "tcp";

    private static readonly TableColumn[] ConnectionColumns =
    [
        new("pid", "Process id", ColumnType.Int),
        new("comm", "Thread", ColumnType.String),
        new("saddr", "Local address", ColumnType.String),
        new("sport", "Local port", ColumnType.Int),
        new("daddr", "Remote address", ColumnType.String),
        new("dport", "Remote port", ColumnType.Int),
        new("state", "State", ColumnType.String),
        new("side", "Opened by", ColumnType.String),
        new("bytes_sent", "Sent", ColumnType.Int, "bytes"),
        new("bytes_received", "Received", ColumnType.Int, "bytes"),
        new("retransmits", "Retransmits", ColumnType.Int),
        new("resets", "Resets", ColumnType.Int),
        new("rtt_us", "Smoothed RTT", ColumnType.Int, "us"),
        new("duration_ns", "Duration", ColumnType.Int, "ns"),
    ];

    private static readonly TableColumn[] ProcessColumns =
    [
        new("pid", "Process id", ColumnType.Int),
        new("comm", "Thread", ColumnType.String),
        new("connections", "Connections", ColumnType.Int),
        new("live", "Open now", ColumnType.Int),
        new("bytes_sent", "Sent", ColumnType.Int, "bytes"),
        new("bytes_received", "Received", ColumnType.Int, "bytes"),
        new("retransmits", "Retransmits", ColumnType.Int),
        new("resets", "Resets", ColumnType.Int),
        new("rtt_us", "Average smoothed RTT", ColumnType.Int, "us"),
    ];

    private static readonly TableColumn[] RemoteColumns =
    [
        new("remote", "Remote end", ColumnType.String),
        new("connections", "Connections", ColumnType.Int),
        new("live", "Open now", ColumnType.Int),
        new("bytes_sent", "Sent", ColumnType.Int, "bytes"),
        new("bytes_received", "Received", ColumnType.Int, "bytes"),
        new("retransmits", "Retransmits", ColumnType.Int),
        new("resets", "Resets", ColumnType.Int),
        new("rtt_us", "Average smoothed RTT", ColumnType.Int, "us"),
    ];

    private readonly TcpTables _tables = new();
    private ProcessFilter _filter;
    private bool _dirty;

    public TcpAnalysis(ProcessFilter filter)
    {
        _filter = filter;
        Connections = new TableModel(new ModelDescriptor("tcp.connections", TableModel.TypeName, "TCP connections", "bytes", [SourceId])
        {
            Description = "Every connection seen, open and closed: owner, ends, state, payload bytes sent (acknowledged) and received, retransmits, resets, smoothed RTT and how long it has lived.",
            Primary = true,
        }, ConnectionColumns);
        Processes = new TableModel(new ModelDescriptor("tcp.processes", TableModel.TypeName, "TCP per process", "bytes", [SourceId]), ProcessColumns);
        Remotes = new TableModel(new ModelDescriptor("tcp.remotes", TableModel.TypeName, "TCP per remote end", "bytes", [SourceId])
        {
            Description = "Connections opened here by the remote address and port; accepted connections by the peer's address.",
        }, RemoteColumns);
        Throughput = new TimeSeriesModel(new ModelDescriptor("tcp.throughput", TimeSeriesModel.TypeName, "TCP throughput", "bytes/s", [SourceId])
        {
            Description = "Payload bytes per second of the observed connections: sent (acknowledged by the peer) and received.",
        });
        Events = new TimeSeriesModel(new ModelDescriptor("tcp.events", TimeSeriesModel.TypeName, "TCP retransmits, resets, opens and closes", "per s", [SourceId]));
        Listen = new TimeSeriesModel(new ModelDescriptor("tcp.listen", TimeSeriesModel.TypeName, "Listen-queue overflows and SYN drops", "per s", [SourceId])
        {
            Description = "The network namespace's TcpExt ListenOverflows (accept queue full), ListenDrops (SYNs and handshakes dropped at a listener) and SyncookiesSent, per second.",
        });
    }

    public TableModel Connections { get; }

    public TableModel Processes { get; }

    public TableModel Remotes { get; }

    public TimeSeriesModel Throughput { get; }

    public TimeSeriesModel Events { get; }

    public TimeSeriesModel Listen { get; }

    public IReadOnlyList<IModel> Models => [Connections, Processes, Remotes, Throughput, Events, Listen];

    public void OnEvents(ReadOnlySpan<Event<TcpConnection>> events)
    {
        foreach (ref readonly var e in events)
        {
            if (_filter.IsAll || _filter.MayMatch(e.Header.Pid))
            {
                _tables.Add(e, e.Header.TimestampNs + e.Header.DurationNs);
                _dirty = true;
            }
        }

        // Closed connections are shown as they come; live ones with the window's totals.
        if (events.Length > 0 && events[0].Payload.Closed)
        {
            Publish();
        }
    }

    public void OnEvents(ReadOnlySpan<Event<TcpWindow>> events)
    {
        foreach (ref readonly var e in events)
        {
            var seconds = Math.Max(1, e.Header.DurationNs) / 1e9;
            var w = e.Payload;
            var start = e.Header.TimestampNs;
            var end = start + e.Header.DurationNs;
            Throughput.Add(start, end, [("sent", "Sent", w.BytesSent / seconds), ("received", "Received", w.BytesReceived / seconds)]);
            Events.Add(start, end,
            [
                ("retransmits", "Retransmits", w.Retransmits / seconds),
                ("resets_sent", "Resets sent", w.ResetsSent / seconds),
                ("resets_received", "Resets received", w.ResetsReceived / seconds),
                ("connects", "Connects", w.Connects / seconds),
                ("accepts", "Accepts", w.Accepts / seconds),
                ("closes", "Closes", w.Closes / seconds),
            ]);
            Listen.Add(start, end,
            [
                ("overflows", "Listen overflows", w.ListenOverflows / seconds),
                ("drops", "Listen drops", w.ListenDrops / seconds),
                ("syncookies", "SYN cookies sent", w.SynCookiesSent / seconds),
            ]);

            // Live connections missing from the last two snapshots have gone.
            _tables.Expire(start - e.Header.DurationNs);
            _dirty = true;
        }

        Publish();
    }

    public void Reset()
    {
        _tables.Clear();
        _dirty = false;
        Connections.Reset();
        Processes.Reset();
        Remotes.Reset();
        Throughput.Reset();
        Events.Reset();
        Listen.Reset();
    }

    public void OnFilterChanged(ProcessFilter filter)
    {
        _filter = filter;
        Reset();
    }

    private void Publish()
    {
        if (!_dirty)
        {
            return;
        }

        _dirty = false;
        Connections.Set(_tables.Live.Concat(_tables.Closed.Reverse())
            .OrderByDescending(e => e.Payload.BytesSent + e.Payload.BytesReceived)
            .Select(ConnectionRow));
        Processes.Set(_tables.ByProcess()
            .OrderByDescending(p => p.Totals.BytesSent + p.Totals.BytesReceived)
            .Select(p => new object[] { (long)p.Pid, p.Totals.Name, p.Totals.Connections, p.Totals.Live, p.Totals.BytesSent, p.Totals.BytesReceived, p.Totals.Retransmits, p.Totals.Resets, p.Totals.RttAverageUs }));
        Remotes.Set(_tables.ByRemote()
            .OrderByDescending(r => r.Totals.BytesSent + r.Totals.BytesReceived)
            .Select(r => new object[] { r.Remote, r.Totals.Connections, r.Totals.Live, r.Totals.BytesSent, r.Totals.BytesReceived, r.Totals.Retransmits, r.Totals.Resets, r.Totals.RttAverageUs }));
    }

    private static object[] ConnectionRow(Event<TcpConnection> e)
    {
        var c = e.Payload;
        return
        [
            (long)e.Header.Pid, c.Comm, c.LocalAddress, (long)c.LocalPort, c.RemoteAddress, (long)c.RemotePort,
            TcpStateNames.Of(c.State), c.Side.ToString().ToLowerInvariant(), c.BytesSent, c.BytesReceived, c.Retransmits,
            c.ResetsSent + c.ResetsReceived, c.RttUs, e.Header.DurationNs,
        ];
    }
}

/// <summary>Adds the TCP tables and series to every session with the <c>tcp</c> source.</summary>
public sealed class TcpAnalysisProvider : IAnalysisProvider
{
    public bool AppliesTo(IReadOnlySet<string> sources) => sources.Contains(TcpAnalysis.SourceId);

    public IAnalysis Create(AnalysisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var analysis = new TcpAnalysis(context.Filter.Current);
        context.Bus.Subscribe<TcpConnection>(analysis);
        context.Bus.Subscribe<TcpWindow>(analysis);
        return analysis;
    }
}
