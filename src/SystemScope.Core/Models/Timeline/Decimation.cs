using System.Text.Json;

namespace SystemScope.Core.Models.Timeline;

/// <summary>
/// Writes a track's slices and instants for a window at a pixel width. Slices at least one pixel
/// wide go out as they are; runs of narrower ones are merged into one slice of the state that covered
/// most of the run (with the number merged), so the answer is bounded by the width, not by the events.
/// </summary>
internal static class Decimation
{
    public static void WriteSlices(Utf8JsonWriter json, TimelineTrack track, long t0, long t1, long pixel, long origin, StringCollector strings)
    {
        var starts = new List<long>();
        var durations = new List<long>();
        var states = new List<int>();
        var labels = new List<int>();
        var cpus = new List<int>();
        var merged = new List<int>();
        var links = new List<(string Track, long Time)?>();

        var slices = track.Slices;
        var run = new Run();
        for (var i = track.FirstEndingAfter(t0); i < slices.Length && slices[i].Start < t1; i++)
        {
            ref readonly var slice = ref slices[i];
            if (slice.Duration >= pixel)
            {
                Flush(ref run);
                Emit(slice.Start, slice.Duration, slice.State, slice.Label, slice.Cpu, 1, slice.LinkTrack is { } t ? (t.Id, slice.LinkTime) : null);
                continue;
            }

            if (run.Count > 0 && slice.Start - run.Start >= pixel)
            {
                Flush(ref run);
            }

            run.Add(slice);
        }

        Flush(ref run);

        json.WriteStartObject("slices");
        WriteLongs(json, "starts", starts);
        WriteLongs(json, "durations", durations);
        WriteInts(json, "states", states);
        WriteInts(json, "labels", labels);
        WriteInts(json, "cpus", cpus);
        WriteInts(json, "merged", merged);
        json.WriteStartArray("links");
        foreach (var link in links)
        {
            if (link is { } l)
            {
                json.WriteStartObject();
                json.WriteString("track", l.Track);
                json.WriteNumber("time", l.Time - origin);
                json.WriteString("kind", "wokenBy");
                json.WriteEndObject();
            }
            else
            {
                json.WriteNullValue();
            }
        }

        json.WriteEndArray();
        json.WriteEndObject();

        void Flush(ref Run r)
        {
            if (r.Count == 0)
            {
                return;
            }

            Emit(r.Start, r.End - r.Start, r.DominantState(), r.Count == 1 ? r.Label : -1, r.Count == 1 ? r.Cpu : -1, r.Count, r.Link);
            r = new Run();
        }

        void Emit(long start, long duration, int state, int label, int cpu, int count, (string, long)? link)
        {
            starts.Add(start - origin);
            durations.Add(duration);
            states.Add(strings.Map(state));
            labels.Add(label < 0 ? -1 : strings.Map(label));
            cpus.Add(cpu);
            merged.Add(count);
            links.Add(link);
        }
    }

    public static void WriteInstants(Utf8JsonWriter json, TimelineTrack track, long t0, long t1, long pixel, long origin)
    {
        var times = new List<long>();
        var kinds = new List<int>();
        var instants = track.Instants;
        long lastPixel = long.MinValue;
        var lastKind = -1;
        for (var i = track.FirstInstantAt(t0); i < instants.Length && instants[i].Time < t1; i++)
        {
            // One tick per pixel and kind is all a screen can show.
            var p = (instants[i].Time - t0) / pixel;
            if (p == lastPixel && instants[i].Kind == lastKind)
            {
                continue;
            }

            lastPixel = p;
            lastKind = instants[i].Kind;
            times.Add(instants[i].Time - origin);
            kinds.Add(instants[i].Kind);
        }

        json.WriteStartObject("instants");
        WriteLongs(json, "times", times);
        WriteInts(json, "kinds", kinds);
        json.WriteEndObject();
    }

    /// <summary>
    /// The activity lane in the window: each span as [start, duration, category, label, depth, merged]
    /// (category and label index the answer's strings; depth 0 is outermost, nested spans count up).
    /// Spans narrower than a pixel that start in the same pixel as the previous one of their depth are
    /// merged into it (merged counts them), so the answer stays bounded by the width.
    /// </summary>
    public static void WriteSpans(Utf8JsonWriter json, TimelineTrack track, long t0, long t1, long pixel, long origin, StringCollector strings)
    {
        var spans = track.Spans;
        var open = new List<long>(); // end of the span open at each depth
        var last = new List<(int Index, long Pixel)>();
        var rows = new List<long[]>();
        for (var i = track.FirstSpanNear(t0); i < spans.Length && spans[i].Start < t1; i++)
        {
            ref readonly var span = ref spans[i];
            if (span.End < t0)
            {
                continue;
            }

            var depth = 0;
            while (depth < open.Count && open[depth] > span.Start)
            {
                depth++;
            }

            if (depth == open.Count)
            {
                open.Add(0);
                last.Add((-1, long.MinValue));
            }

            open[depth] = span.End;
            var p = (span.Start - t0) / pixel;
            if (span.Duration < pixel && last[depth].Pixel == p && last[depth].Index >= 0)
            {
                var row = rows[last[depth].Index];
                row[1] = Math.Max(row[1], span.End - origin - row[0]);
                row[5]++;
                continue;
            }

            last[depth] = (rows.Count, p);
            rows.Add([span.Start - origin, span.Duration, strings.Map(span.State), span.Label < 0 ? -1 : strings.Map(span.Label), depth, 1]);
        }

        json.WriteStartArray("spans");
        foreach (var row in rows)
        {
            json.WriteStartArray();
            foreach (var v in row)
            {
                json.WriteNumberValue(v);
            }

            json.WriteEndArray();
        }

        json.WriteEndArray();
    }

    private static void WriteLongs(Utf8JsonWriter json, string name, List<long> values)
    {
        json.WriteStartArray(name);
        foreach (var v in values)
        {
            json.WriteNumberValue(v);
        }

        json.WriteEndArray();
    }

    private static void WriteInts(Utf8JsonWriter json, string name, List<int> values)
    {
        json.WriteStartArray(name);
        foreach (var v in values)
        {
            json.WriteNumberValue(v);
        }

        json.WriteEndArray();
    }

    /// <summary>A run of slices narrower than a pixel, merged into one.</summary>
    private struct Run
    {
        private Dictionary<int, long>? _byState;

        public long Start;
        public long End;
        public int Count;
        public int Label;
        public int Cpu;
        public (string, long)? Link;

        public void Add(in TimelineSlice slice)
        {
            if (Count == 0)
            {
                Start = slice.Start;
                Label = slice.Label;
                Cpu = slice.Cpu;
            }

            End = Math.Max(End, slice.End);
            Count++;
            _byState ??= [];
            _byState[slice.State] = _byState.GetValueOrDefault(slice.State) + slice.Duration;
            if (Link is null && slice.LinkTrack is { } track)
            {
                Link = (track.Id, slice.LinkTime);
            }
        }

        public readonly int DominantState()
        {
            var best = -1;
            long most = -1;
            foreach (var (state, duration) in _byState!)
            {
                if (duration > most)
                {
                    best = state;
                    most = duration;
                }
            }

            return best;
        }
    }
}

/// <summary>The strings a window answer uses, renumbered compactly.</summary>
internal sealed class StringCollector(List<string> table)
{
    private readonly Dictionary<int, int> _map = [];

    public List<string> Used { get; } = [];

    public int Map(int id)
    {
        if (!_map.TryGetValue(id, out var mapped))
        {
            mapped = Used.Count;
            Used.Add(id >= 0 && id < table.Count ? table[id] : "?");
            _map[id] = mapped;
        }

        return mapped;
    }
}
