using System.Globalization;
using System.Text.Json;
using SystemScope.Core.Errors;

namespace SystemScope.Core.Models.Histogram;

/// <summary>
/// A distribution per window over time (a latency heatmap): one column of log2 bucket counts per
/// window. Clients hold the sequence number of the last column they have and get only newer ones.
/// </summary>
public sealed class HeatmapModel : IRetainingModel
{
    public const string TypeName = "heatmap";

    private static readonly string[] QueryParameters = ["t0", "t1"];

    private readonly Lock _gate = new();
    private readonly ChangeSignal _changed = new();
    private readonly int _buckets;
    private readonly List<Column> _columns = [];
    private long _seq;
    private long _version;
    private long _dropped;

    public HeatmapModel(ModelDescriptor descriptor, int buckets)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        if (descriptor.Type != TypeName)
        {
            throw new ArgumentException($"model {descriptor.Id} has type {descriptor.Type}, not {TypeName}", nameof(descriptor));
        }

        Descriptor = descriptor;
        _buckets = buckets;
        Bounds = Log2Scale.Bounds(buckets);
    }

    public ModelDescriptor Descriptor { get; }

    public IReadOnlyList<long> Bounds { get; }

    public long Version => Interlocked.Read(ref _version);

    public Task Changed => _changed.Next;

    public long Dropped => Interlocked.Read(ref _dropped);

    public long RetainedBytes
    {
        get
        {
            lock (_gate)
            {
                return _columns.Count * (48L + (_buckets * 8L));
            }
        }
    }

    public int Columns
    {
        get
        {
            lock (_gate)
            {
                return _columns.Count;
            }
        }
    }

    public void AddColumn(long startNs, long endNs, ReadOnlySpan<long> counts)
    {
        if (counts.Length != _buckets)
        {
            throw new ArgumentException($"model {Descriptor.Id}: a column has {counts.Length} buckets, the model {_buckets}");
        }

        lock (_gate)
        {
            _columns.Add(new Column(++_seq, startNs, endNs, counts.ToArray()));
            Bump();
        }
    }

    public void Reset()
    {
        lock (_gate)
        {
            _columns.Clear();
            Bump();
        }
    }

    public void TrimTo(long bytes)
    {
        lock (_gate)
        {
            var removed = 0;
            while (_columns.Count > 1 && _columns.Count * (48L + (_buckets * 8L)) > bytes)
            {
                _columns.RemoveAt(0);
                removed++;
            }

            if (removed > 0)
            {
                Interlocked.Add(ref _dropped, removed);
                Bump();
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
            IEnumerable<Column> selected;
            string kind;
            if (request.Has("t0") || request.Has("t1"))
            {
                var (start, end) = WindowRange.Resolve(request, Descriptor.Id, [.. _columns.Select(c => (c.StartNs, c.EndNs))]);
                selected = _columns.Where(c => c.EndNs > start && c.StartNs < end);
                kind = "range";
            }
            else
            {
                // A cursor older than what is retained, or from another epoch (reset), gets everything.
                var first = _columns.Count > 0 ? _columns[0].Seq : _seq + 1;
                selected = after >= first - 1 && after <= _seq ? _columns.Where(c => c.Seq > after) : _columns;
                kind = "live";
            }

            var list = selected.ToList();
            json.WriteStartObject();
            json.WriteString("kind", kind);
            json.WriteString("unit", Descriptor.Unit);
            json.WriteNumber("version", Version);
            json.WriteString("scale", "log2");
            json.WriteStartArray("bounds");
            foreach (var bound in Bounds)
            {
                json.WriteNumberValue(bound);
            }

            json.WriteEndArray();
            json.WriteNumber("firstSeq", _columns.Count > 0 ? _columns[0].Seq : _seq + 1);
            json.WriteNumber("baseSeq", list.Count > 0 ? list[0].Seq : _seq + 1);
            json.WriteStartObject("columns");
            json.WriteStartArray("starts");
            list.ForEach(c => json.WriteNumberValue(c.StartNs - request.OriginNs));
            json.WriteEndArray();
            json.WriteStartArray("ends");
            list.ForEach(c => json.WriteNumberValue(c.EndNs - request.OriginNs));
            json.WriteEndArray();
            json.WriteStartArray("counts");
            foreach (var column in list)
            {
                json.WriteStartArray();
                foreach (var count in column.Counts)
                {
                    json.WriteNumberValue(count);
                }

                json.WriteEndArray();
            }

            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteNumber("max", _columns.Count == 0 ? 0 : _columns.Max(c => c.Counts.Max()));
            json.WriteNumber("droppedWindows", Dropped);
            json.WriteEndObject();
            return _seq.ToString(CultureInfo.InvariantCulture);
        }
    }

    private void Bump()
    {
        Interlocked.Increment(ref _version);
        _changed.Signal();
    }

    private sealed record Column(long Seq, long StartNs, long EndNs, long[] Counts);
}
