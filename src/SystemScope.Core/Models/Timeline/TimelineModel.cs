using System.Globalization;
using System.Text.Json;
using SystemScope.Core.Errors;
using SystemScope.Core.Export;
using SystemScope.Core.Symbols;

namespace SystemScope.Core.Models.Timeline;

/// <summary>
/// Tracks per thread and per CPU, each a time-ordered list of slices and instants, that every layer
/// adds to (scheduler states now; syscalls, I/O, GPU and GC spans later). Queried for a time window
/// and a pixel width and decimated here, so the browser never receives the raw event flood. Within
/// the session's memory budget the oldest slices go first (counted). Written by analyses on the
/// session's loop, read by anyone; one lock.
/// </summary>
public sealed class TimelineModel : IRetainingModel
{
    public const string TypeName = "timeline";

    private const long SliceBytes = 56;
    private const long InstantBytes = 24;

    private static readonly string[] QueryParameters = ["t0", "t1", "px", "tracks", "track", "at", "lane"];

    private readonly Lock _gate = new();
    private readonly ChangeSignal _changed = new();
    private readonly List<TimelineTrack> _tracks = [];
    private readonly Dictionary<string, TimelineTrack> _byId = new(StringComparer.Ordinal);
    private readonly List<string> _strings = [];
    private readonly Dictionary<string, int> _stringIds = new(StringComparer.Ordinal);
    private readonly List<WakerRecord> _wakers = [];
    private long _version;
    private long _dropped;
    private long _items;
    private long _endNs;

    public TimelineModel(ModelDescriptor descriptor)
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

    /// <summary>Events over the sources' per-second cap (set by the analysis from the sources' counters).</summary>
    public long Capped { get; set; }

    public long CapPerSecond { get; set; }

    public StackTable Stacks { get; } = new();

    public long RetainedBytes
    {
        get
        {
            lock (_gate)
            {
                return BytesLocked();
            }
        }
    }

    /// <summary>Runs <paramref name="write"/> under the model's lock; call <see cref="Commit"/> after a batch.</summary>
    public T Update<T>(Func<TimelineWriter, T> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        lock (_gate)
        {
            return write(new TimelineWriter(this));
        }
    }

    /// <summary>Reads under the lock (breakdowns, exports, tests).</summary>
    public T Read<T>(Func<TimelineReader, T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        lock (_gate)
        {
            return read(new TimelineReader(this));
        }
    }

    /// <summary>Marks the changes so far as one version and wakes live views.</summary>
    public void Commit(long endNs)
    {
        lock (_gate)
        {
            _endNs = Math.Max(_endNs, endNs);
            Interlocked.Increment(ref _version);
        }

        _changed.Signal();
    }

    public void Reset()
    {
        lock (_gate)
        {
            _tracks.Clear();
            _byId.Clear();
            _strings.Clear();
            _stringIds.Clear();
            _wakers.Clear();
            Stacks.Clear();
            _items = 0;
            Interlocked.Increment(ref _version);
        }

        _changed.Signal();
    }

    public void TrimTo(long bytes)
    {
        lock (_gate)
        {
            var before = _dropped;
            while (BytesLocked() > bytes && _items > 0)
            {
                // Drop the oldest tenth of the retained span, across every track.
                var first = _tracks.Where(t => t.SliceCount + t.InstantCount + t.SpanCount > 0).Select(t => t.FirstTime).DefaultIfEmpty(_endNs).Min();
                var cut = first + Math.Max(1, (_endNs - first) / 10);
                foreach (var track in _tracks)
                {
                    var dropped = track.DropBefore(cut);
                    _items -= dropped;
                    _dropped += dropped;
                }

                if (cut >= _endNs)
                {
                    break;
                }
            }

            // Tracks that ended and hold nothing any more are gone from the history.
            _tracks.RemoveAll(t => (t.End is not null || t.Kind == TrackKind.Device) && t.SliceCount + t.InstantCount + t.SpanCount == 0 && _byId.Remove(t.Id));

            if (_dropped != before)
            {
                Interlocked.Increment(ref _version);
                _changed.Signal();
            }
        }
    }

    public string? Write(Utf8JsonWriter json, ModelRequest request)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(request);
        request.AllowOnly(Descriptor.Id, QueryParameters);
        lock (_gate)
        {
            if (request.Has("at") || request.Has("track"))
            {
                WriteSlice(json, request);
            }
            else if (request.HasParameters)
            {
                WriteWindow(json, request);
            }
            else
            {
                WriteSummary(json, request.OriginNs);
            }

            return Version.ToString(CultureInfo.InvariantCulture);
        }
    }

    private long BytesLocked() => (_items * SliceBytes) + (_tracks.Count * 256L) + (Stacks.Count * 256L);

    private void WriteSummary(Utf8JsonWriter json, long origin)
    {
        json.WriteStartObject();
        json.WriteString("kind", "live");
        json.WriteNumber("version", Version);
        json.WriteNumber("end", Math.Max(0, _endNs - origin));
        json.WriteStartArray("tracks");
        foreach (var track in Ordered())
        {
            json.WriteStartObject();
            json.WriteString("id", track.Id);
            json.WriteString("kind", track.Kind switch { TrackKind.Thread => "thread", TrackKind.Cpu => "cpu", _ => "device" });
            json.WriteNumber("pid", track.Pid);
            json.WriteNumber("tid", track.Tid);
            json.WriteString("name", track.Name);
            json.WriteString("process", track.Process);
            json.WriteNumber("start", Math.Max(0, track.Start - origin));
            if (track.End is { } end)
            {
                json.WriteNumber("end", Math.Max(0, end - origin));
            }
            else
            {
                json.WriteNull("end");
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteNumber("slices", _items);
        json.WriteNumber("dropped", Dropped);
        json.WriteNumber("capped", Capped);
        json.WriteNumber("capPerSecond", CapPerSecond);
        json.WriteEndObject();
    }

    private void WriteWindow(Utf8JsonWriter json, ModelRequest request)
    {
        var origin = request.OriginNs;
        var t0 = (request.Time("t0") ?? 0) + origin;
        var t1 = (request.Time("t1") ?? Math.Max(0, _endNs - origin)) + origin;
        var px = request.Long("px", 1, 20_000) ?? 1000;
        if (t1 <= t0)
        {
            throw new InvalidRequestException($"t1 must be after t0: give a window such as t0=0&t1=1e9 (ns since the session started)");
        }

        var tracks = SelectTracks(request.String("tracks"));
        var pixel = Math.Max(1, (t1 - t0) / px);
        var strings = new StringCollector(_strings);

        json.WriteStartObject();
        json.WriteString("kind", "window");
        json.WriteNumber("t0", t0 - origin);
        json.WriteNumber("t1", t1 - origin);
        json.WriteNumber("px", px);
        json.WriteStartArray("tracks");
        foreach (var track in tracks)
        {
            json.WriteStartObject();
            json.WriteString("id", track.Id);
            Decimation.WriteSlices(json, track, t0, t1, pixel, origin, strings);
            Decimation.WriteInstants(json, track, t0, t1, pixel, origin);
            Decimation.WriteSpans(json, track, t0, t1, pixel, origin, strings);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("strings");
        foreach (var s in strings.Used)
        {
            json.WriteStringValue(s);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private void WriteSlice(Utf8JsonWriter json, ModelRequest request)
    {
        var id = request.String("track") ?? throw new InvalidRequestException("give track=ID with at=T to ask for one slice");
        var at = (request.Time("at") ?? throw new InvalidRequestException("give at=T (ns since the session started) with track=ID")) + request.OriginNs;
        if (!_byId.TryGetValue(id, out var track))
        {
            throw new NotFoundException("track-not-found", $"model {Descriptor.Id} has no track '{id}' (it may have exited and been dropped, or never been seen)");
        }

        var spans = request.String("lane") switch
        {
            null or "states" => false,
            "spans" => true,
            var other => throw new InvalidRequestException($"lane '{other}' is not a lane: give lane=states (the default) or lane=spans"),
        };
        var index = spans ? track.SpanAt(at) : track.SliceAt(at);
        if (index < 0)
        {
            throw new NotFoundException(spans ? "span-not-found" : "slice-not-found", $"track {id} has no {(spans ? "span" : "slice")} at {at - request.OriginNs} ns (outside its retained history, or a gap)");
        }

        var slice = spans ? track.Spans[index] : track.Slices[index];
        json.WriteStartObject();
        json.WriteString("kind", spans ? "span" : "slice");
        json.WriteString("track", id);
        json.WriteNumber("start", slice.Start - request.OriginNs);
        json.WriteNumber("duration", slice.Duration);
        json.WriteString("state", _strings[slice.State]);
        if (slice.Label >= 0)
        {
            json.WriteString("label", _strings[slice.Label]);
        }

        json.WriteNumber("cpu", slice.Cpu);
        if (slice.Stack >= 0)
        {
            WriteStack(json, "stack", Stacks[slice.Stack]);
        }

        if (slice.Waker >= 0 && slice.Waker < _wakers.Count)
        {
            var waker = _wakers[slice.Waker];
            json.WriteStartObject("waker");
            json.WriteNumber("pid", waker.Pid);
            json.WriteNumber("tid", waker.Tid);
            json.WriteString("name", waker.Name);
            json.WriteNumber("time", slice.LinkTime - request.OriginNs);
            if (slice.LinkTrack is { } linked)
            {
                json.WriteString("track", linked.Id);
            }

            if (waker.Stack >= 0)
            {
                WriteStack(json, "stack", Stacks[waker.Stack]);
            }

            json.WriteEndObject();
        }
        else if (spans && slice.LinkTrack is { } related)
        {
            // A thread's span names the device it used; a device's span the thread that issued it.
            json.WriteStartObject("related");
            json.WriteString("track", related.Id);
            json.WriteString("name", related.Name);
            json.WriteNumber("time", slice.LinkTime - request.OriginNs);
            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    internal static void WriteStack(Utf8JsonWriter json, string name, IReadOnlyList<Symbol> frames)
    {
        json.WriteStartArray(name);
        foreach (var frame in frames)
        {
            json.WriteStartObject();
            json.WriteString("name", frame.Name);
            if (frame.Module is not null)
            {
                json.WriteString("module", frame.Module);
            }

            json.WriteString("kind", FlameGraphJsonExporter.KindName(frame.Kind));
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private List<TimelineTrack> SelectTracks(string? ids)
    {
        if (string.IsNullOrEmpty(ids))
        {
            return Ordered();
        }

        var selected = new List<TimelineTrack>();
        foreach (var id in ids.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            selected.Add(_byId.TryGetValue(id, out var track)
                ? track
                : throw new NotFoundException("track-not-found", $"model {Descriptor.Id} has no track '{id}' (list them with the live view)"));
        }

        return selected;
    }

    /// <summary>CPU tracks first, then threads grouped by process, main thread first.</summary>
    private List<TimelineTrack> Ordered() =>
        [.. _tracks.OrderBy(t => t.Kind == TrackKind.Cpu ? 0 : 1).ThenBy(t => t.Pid).ThenBy(t => t.Tid == t.Pid ? 0 : 1).ThenBy(t => t.Tid)];

    /// <summary>Adds to the model; valid only inside <see cref="Update{T}"/>.</summary>
    public readonly struct TimelineWriter
    {
        private readonly TimelineModel _model;

        internal TimelineWriter(TimelineModel model) => _model = model;

        public StackTable Stacks => _model.Stacks;

        public TimelineTrack? Find(string id) => _model._byId.GetValueOrDefault(id);

        public TimelineTrack Track(string id, TrackKind kind, int pid, int tid, string name, string process, long start)
        {
            if (_model._byId.TryGetValue(id, out var track))
            {
                return track;
            }

            track = new TimelineTrack(id, kind, pid, tid, name, process, start);
            _model._tracks.Add(track);
            _model._byId[id] = track;
            return track;
        }

        public int String(string value)
        {
            if (!_model._stringIds.TryGetValue(value, out var id))
            {
                id = _model._strings.Count;
                _model._strings.Add(value);
                _model._stringIds[value] = id;
            }

            return id;
        }

        public int Waker(WakerRecord waker)
        {
            _model._wakers.Add(waker);
            return _model._wakers.Count - 1;
        }

        public void Add(TimelineTrack track, in TimelineSlice slice)
        {
            ArgumentNullException.ThrowIfNull(track);
            track.Add(slice);
            _model._items++;
        }

        /// <summary>Adds to the track's activity lane (spans may overlap).</summary>
        public void AddSpan(TimelineTrack track, in TimelineSlice span)
        {
            ArgumentNullException.ThrowIfNull(track);
            track.AddSpan(span);
            _model._items++;
        }

        public void Add(TimelineTrack track, in TimelineInstant instant)
        {
            ArgumentNullException.ThrowIfNull(track);
            track.Add(instant);
            _model._items++;
        }
    }

    /// <summary>Reads the model; valid only inside <see cref="Read{T}"/>.</summary>
    public readonly struct TimelineReader
    {
        private readonly TimelineModel _model;

        internal TimelineReader(TimelineModel model) => _model = model;

        public IReadOnlyList<TimelineTrack> Tracks => _model.Ordered();

        public long EndNs => _model._endNs;

        public string String(int id) => id >= 0 && id < _model._strings.Count ? _model._strings[id] : string.Empty;

        public IReadOnlyList<Symbol> Stack(int id) => _model.Stacks[id];

        public WakerRecord? Waker(int id) => id >= 0 && id < _model._wakers.Count ? _model._wakers[id] : null;
    }
}
