using System.Globalization;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Accel;
using SystemScope.Core.Models;
using SystemScope.Core.Models.Table;
using SystemScope.Core.Models.TimeSeries;

namespace SystemScope.Core.Analyses.Accel;

/// <summary>
/// The DRM client usage stats as models: busy % per (process, engine) over time
/// (<c>accel.drm.busy</c>), device memory per (process, region) over time (<c>accel.drm.memory</c>),
/// and a table per (process, client, engine) with the session's busy time (<c>accel.drm.clients</c>).
/// </summary>
internal sealed class DrmUsageModels
{
    private const double Mib = 1024 * 1024;

    private static readonly TableColumn[] Columns =
    [
        new("pid", "Process id", ColumnType.Int),
        new("process", "Process", ColumnType.String),
        new("driver", "Driver", ColumnType.String),
        new("device", "Device", ColumnType.String),
        new("client", "DRM client", ColumnType.Int),
        new("fds", "Fds", ColumnType.Int),
        new("engine", "Engine", ColumnType.String),
        new("busy", "Busy in session", ColumnType.Int, "ns"),
        new("busyPct", "Busy, last reading", ColumnType.Float, "%"),
        new("peakPct", "Busy, peak", ColumnType.Float, "%"),
        new("memory", "Device memory (resident, all regions)", ColumnType.Int, "bytes"),
    ];

    private readonly DrmUtilisation _utilisation = new();
    private readonly Dictionary<(int Pid, string Client, string Engine), Row> _rows = [];
    private long _lastReadingNs;

    public DrmUsageModels(string sourceId)
    {
        Busy = new TimeSeriesModel(new ModelDescriptor("accel.drm.busy", TimeSeriesModel.TypeName, "Device engine busy per process", "%", [sourceId])
        {
            Description = "Share of each reading's interval a device engine was busy with a process's work, from the DRM client usage stats in /proc/PID/fdinfo (divided by the engine's capacity).",
        });
        Memory = new TimeSeriesModel(new ModelDescriptor("accel.drm.memory", TimeSeriesModel.TypeName, "Device memory per process and region", "MiB", [sourceId])
        {
            Description = "Memory a process's DRM clients hold per region (vram, gtt, system …): resident where the driver says, else total.",
        });
        Clients = new TableModel(new ModelDescriptor("accel.drm.clients", TableModel.TypeName, "DRM clients", "ns", [sourceId])
        {
            Description = "Each process's DRM clients (de-duplicated by drm-client-id across fds) per engine: busy time in the session, its last and peak share, and the client's device memory.",
            Primary = true,
        }, Columns);
    }

    public TimeSeriesModel Busy { get; }

    public TimeSeriesModel Memory { get; }

    public TableModel Clients { get; }

    public void OnEvents(ReadOnlySpan<Event<DrmClientUsage>> events, Func<int, bool> wanted)
    {
        if (events.IsEmpty)
        {
            return;
        }

        var busy = new List<(string, string, double)>();
        var memory = new Dictionary<string, (string Label, double MiB)>(StringComparer.Ordinal);
        long start = long.MaxValue, end = long.MinValue;
        foreach (ref readonly var e in events)
        {
            var pid = e.Header.Pid;
            start = Math.Min(start, e.Header.TimestampNs - e.Header.DurationNs);
            end = Math.Max(end, e.Header.TimestampNs);
            if (!wanted(pid))
            {
                continue;
            }

            var u = e.Payload;
            var who = $"{u.ProcessName} ({pid.ToString(CultureInfo.InvariantCulture)})";
            var client = DrmUtilisation.ClientKey(u);
            var clientMemory = u.Regions.Sum(r => Math.Max(0, r.Bytes));
            var rates = _utilisation.Update(pid, e.Header.TimestampNs, u);
            foreach (var (engine, percent, busyNs) in rates)
            {
                busy.Add(($"{pid}:{client}:{engine}", $"{who} {u.Driver} {engine}", percent));
            }

            foreach (var engine in u.Engines.Select(x => x.Name).DefaultIfEmpty("-"))
            {
                var key = (pid, client, engine);
                if (!_rows.TryGetValue(key, out var row))
                {
                    _rows[key] = row = new Row(u.ProcessName, u.Driver, u.Device, u.ClientId);
                }

                row.Fds = u.Fds;
                row.Memory = clientMemory;
                foreach (var rate in rates.Where(r => r.Engine == engine))
                {
                    row.BusyNs += Math.Max(0, rate.BusyNsDelta);
                    row.LastPercent = rate.Percent;
                    row.PeakPercent = Math.Max(row.PeakPercent, rate.Percent);
                }
            }

            foreach (var region in u.Regions.Where(r => r.Bytes >= 0))
            {
                var name = $"{pid}:{u.Driver}:{u.Device}:{region.Name}";
                var sum = memory.TryGetValue(name, out var s) ? s.MiB : 0;
                memory[name] = ($"{who} {u.Driver} {region.Name}", sum + (region.Bytes / Mib));
            }
        }

        if (busy.Count > 0)
        {
            Busy.Add(start, end, busy);
        }

        if (memory.Count > 0)
        {
            Memory.Add(start, end, memory.Select(m => (m.Key, m.Value.Label, Math.Round(m.Value.MiB, 3))));
        }

        // A client not read for a minute is gone (its fd closed, its process exited).
        _lastReadingNs = end;
        _utilisation.Forget(_lastReadingNs - 60_000_000_000);
        Clients.Set(_rows
            .OrderByDescending(r => r.Value.BusyNs)
            .ThenBy(r => r.Key.Pid)
            .Select(r => new object[]
            {
                (long)r.Key.Pid, r.Value.Process, r.Value.Driver, r.Value.Device, r.Value.ClientId, (long)r.Value.Fds, r.Key.Engine,
                r.Value.BusyNs, r.Value.LastPercent, r.Value.PeakPercent, r.Value.Memory,
            }));
    }

    public void Reset()
    {
        _utilisation.Reset();
        _rows.Clear();
        Busy.Reset();
        Memory.Reset();
        Clients.Reset();
    }

    private sealed class Row(string process, string driver, string device, long clientId)
    {
        public string Process { get; } = process;

        public string Driver { get; } = driver;

        public string Device { get; } = device;

        public long ClientId { get; } = clientId;

        public int Fds { get; set; }

        public long BusyNs { get; set; }

        public double LastPercent { get; set; }

        public double PeakPercent { get; set; }

        public long Memory { get; set; }
    }
}
