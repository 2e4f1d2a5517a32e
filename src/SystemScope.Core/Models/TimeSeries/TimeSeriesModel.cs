using System.Globalization;
using System.Text.Json;
using SystemScope.Core.Errors;

namespace SystemScope.Core.Models.TimeSeries;

/// <summary>
/// Values per window over time for a set of named series (per-CPU run-queue length now; throughput,
/// heap sizes later). Clients hold the sequence number of the last window they have.
/// </summary>
public sealed class TimeSeriesModel : IRetainingModel
{
    public const string TypeName = "timeseries";

    private static readonly string[] QueryParameters = ["t0", "t1"];

    private readonly Lock _gate = new();
    private readonly ChangeSignal _changed = new();
    private readonly List<(string Name, string Label)> _series = [];
    private readonly Dictionary<string, int> _seriesIds = new(StringComparer.Ordinal);
    private readonly List<Point> _points = [];
    private long _seq;
    private long _version;
    private long _dropped;

    public TimeSeriesModel(ModelDescriptor descriptor)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        if (descriptor.Type != TypeName)
        {
            throw new ArgumentException($"model {descriptor.Id} has type {descriptor.Type}, not {TypeName}", nameof(descriptor));
        }

        Descriptor = descriptor;
    }

    public ModelDescriptor Descriptor { get; }

    public long Version => Interlocked.Read(ref _version);

    public Task Changed => _changed.Next;

    public long Dropped => Interlocked.Read(ref _dropped);

    public long RetainedBytes
    {
        get
        {
            lock (_gate)
            {
                return _points.Sum(p => 48L + (p.Values.Count * 24L));
            }
        }
    }

    /// <summary>Adds one window's values, by series name (label used when the series is new).</summary>
    public void Add(long startNs, long endNs, IEnumerable<(string Name, string Label, double Value)> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        lock (_gate)
        {
            var point = new Point(++_seq, startNs, endNs, []);
            foreach (var (name, label, value) in values)
            {
                if (!_seriesIds.TryGetValue(name, out var id))
                {
                    id = _series.Count;
                    _series.Add((name, label));
                    _seriesIds[name] = id;
                }

                point.Values[id] = value;
            }

            _points.Add(point);
            Interlocked.Increment(ref _version);
        }

        _changed.Signal();
    }

    public void Reset()
    {
        lock (_gate)
        {
            _points.Clear();
            _series.Clear();
            _seriesIds.Clear();
            Interlocked.Increment(ref _version);
        }

        _changed.Signal();
    }

    public void TrimTo(long bytes)
    {
        lock (_gate)
        {
            var removed = 0;
            while (_points.Count > 1 && _points.Sum(p => 48L + (p.Values.Count * 24L)) > bytes)
            {
                _points.RemoveAt(0);
                removed++;
            }

            if (removed > 0)
            {
                Interlocked.Add(ref _dropped, removed);
                Interlocked.Increment(ref _version);
            }
        }
    }

    public string? Write(Utf8JsonWriter json, ModelRequest request)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(request);
        request.AllowOnly(Descriptor.Id, QueryParameters);
        long after = -1;
        if (request.Cursor is { } cursor && !long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out after))
        {
            throw new InvalidRequestException($"cursor '{cursor}' is not a cursor of {Descriptor.Id}: use the cursor of its last update, or none for everything");
        }

        lock (_gate)
        {
            List<Point> selected;
            string kind;
            if (request.Has("t0") || request.Has("t1"))
            {
                var (start, end) = WindowRange.Resolve(request, Descriptor.Id, [.. _points.Select(p => (p.StartNs, p.EndNs))]);
                selected = [.. _points.Where(p => p.EndNs > start && p.StartNs < end)];
                kind = "range";
            }
            else
            {
                var first = _points.Count > 0 ? _points[0].Seq : _seq + 1;
                selected = after >= first - 1 && after <= _seq ? [.. _points.Where(p => p.Seq > after)] : [.. _points];
                kind = "live";
            }

            json.WriteStartObject();
            json.WriteString("kind", kind);
            json.WriteString("unit", Descriptor.Unit);
            json.WriteNumber("version", Version);
            json.WriteNumber("firstSeq", _points.Count > 0 ? _points[0].Seq : _seq + 1);
            json.WriteNumber("baseSeq", selected.Count > 0 ? selected[0].Seq : _seq + 1);
            json.WriteStartArray("starts");
            selected.ForEach(p => json.WriteNumberValue(p.StartNs - request.OriginNs));
            json.WriteEndArray();
            json.WriteStartArray("ends");
            selected.ForEach(p => json.WriteNumberValue(p.EndNs - request.OriginNs));
            json.WriteEndArray();
            json.WriteStartArray("series");
            for (var id = 0; id < _series.Count; id++)
            {
                json.WriteStartObject();
                json.WriteString("name", _series[id].Name);
                json.WriteString("label", _series[id].Label);
                json.WriteStartArray("values");
                foreach (var point in selected)
                {
                    if (point.Values.TryGetValue(id, out var value))
                    {
                        json.WriteNumberValue(Math.Round(value, 6));
                    }
                    else
                    {
                        json.WriteNullValue();
                    }
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteNumber("droppedWindows", Dropped);
            json.WriteEndObject();
            return _seq.ToString(CultureInfo.InvariantCulture);
        }
    }

    private sealed record Point(long Seq, long StartNs, long EndNs, Dictionary<int, double> Values);
}
