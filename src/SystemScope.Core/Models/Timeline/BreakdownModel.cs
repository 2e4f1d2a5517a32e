using System.Globalization;
using System.Text.Json;
using SystemScope.Core.Symbols;

namespace SystemScope.Core.Models.Timeline;

/// <summary>
/// "Where did the time go", per thread, for a time range: wall time split by state (running,
/// runnable, sleeping, blocked, other, and unknown where nothing was recorded) so the parts add up to
/// the wall time, with the functions on CPU (from the timeline's CPU-sample ticks) and the stacks the
/// thread blocked in. A view computed on request over a <see cref="TimelineModel"/>.
/// </summary>
public sealed class BreakdownModel(ModelDescriptor descriptor, TimelineModel timeline) : IModel
{
    public const string TypeName = "breakdown";

    /// <summary>The name of the part of wall time no slice covers (before a thread's first event, gaps from capped events).</summary>
    public const string Unknown = "unknown";

    private static readonly string[] QueryParameters = ["t0", "t1", "pid", "tid", "top"];

    public ModelDescriptor Descriptor { get; } = descriptor;

    public long Version => timeline.Version;

    public Task Changed => timeline.Changed;

    public string? Write(Utf8JsonWriter json, ModelRequest request)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(request);
        request.AllowOnly(Descriptor.Id, QueryParameters);
        var pid = request.Long("pid", 1, int.MaxValue);
        var tid = request.Long("tid", 1, int.MaxValue);
        var top = (int)(request.Long("top", 1, 100) ?? 10);
        var threads = Compute(request.Time("t0") is { } t0 ? t0 + request.OriginNs : null, request.Time("t1") is { } t1 ? t1 + request.OriginNs : null, pid, tid, top, out var start, out var end);

        json.WriteStartObject();
        json.WriteString("kind", "range");
        json.WriteNumber("t0", start - request.OriginNs);
        json.WriteNumber("t1", end - request.OriginNs);
        json.WriteString("unit", "ns");
        json.WriteStartArray("threads");
        foreach (var thread in threads)
        {
            json.WriteStartObject();
            json.WriteNumber("pid", thread.Pid);
            json.WriteNumber("tid", thread.Tid);
            json.WriteString("name", thread.Name);
            json.WriteString("process", thread.Process);
            json.WriteNumber("wall", thread.Wall);
            json.WriteStartObject("states");
            foreach (var (state, ns) in thread.States)
            {
                json.WriteNumber(state, ns);
            }

            json.WriteEndObject();
            json.WriteStartArray("topFunctions");
            foreach (var (name, value) in thread.TopFunctions)
            {
                json.WriteStartObject();
                json.WriteString("name", name);
                json.WriteNumber("value", value);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("topReasons");
            foreach (var (reason, category, value) in thread.TopReasons)
            {
                json.WriteStartObject();
                json.WriteString("reason", reason);
                json.WriteString("category", category);
                json.WriteNumber("value", value);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteStartArray("topBlocking");
            foreach (var (frames, state, value) in thread.TopBlocking)
            {
                json.WriteStartObject();
                json.WriteString("state", state);
                json.WriteStartArray("frames");
                foreach (var frame in frames)
                {
                    json.WriteStringValue(frame.Name);
                }

                json.WriteEndArray();
                json.WriteNumber("value", value);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        return Version.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>The breakdown of every thread track matching the pid/tid (absolute times; null = the whole retained span).</summary>
    public IReadOnlyList<ThreadBreakdown> Compute(long? from, long? to, long? pid, long? tid, int top, out long start, out long end)
    {
        var result = new List<ThreadBreakdown>();
        long s = 0, e = 0;
        timeline.Read(reader =>
        {
            var tracks = reader.Tracks.Where(t => t.Kind == TrackKind.Thread && (pid is null || t.Pid == pid) && (tid is null || t.Tid == tid)).ToList();
            s = from ?? (tracks.Count == 0 ? 0 : tracks.Min(t => t.Start));
            e = to ?? reader.EndNs;
            foreach (var track in tracks)
            {
                if (Of(reader, track, s, e, top) is { } breakdown)
                {
                    result.Add(breakdown);
                }
            }

            return 0;
        });
        start = s;
        end = e;
        return result;
    }

    private static ThreadBreakdown? Of(TimelineModel.TimelineReader reader, TimelineTrack track, long from, long to, int top)
    {
        // The thread's wall time in the range: from when it was first seen (or the range start) to its end (or the range end).
        var wallStart = Math.Max(from, track.Start);
        var wallEnd = Math.Min(to, track.End ?? to);
        if (wallEnd <= wallStart)
        {
            return null;
        }

        var states = new Dictionary<string, long>(StringComparer.Ordinal);
        var blocking = new Dictionary<(int Stack, int State), long>();
        long covered = 0;
        var slices = track.Slices;
        for (var i = track.FirstEndingAfter(wallStart); i < slices.Length && slices[i].Start < wallEnd; i++)
        {
            var clipped = Math.Min(slices[i].End, wallEnd) - Math.Max(slices[i].Start, wallStart);
            if (clipped <= 0)
            {
                continue;
            }

            var state = reader.String(slices[i].State);
            states[state] = states.GetValueOrDefault(state) + clipped;
            covered += clipped;
            if (slices[i].Stack >= 0 && state is "sleeping" or "blocked" or "other")
            {
                var key = (slices[i].Stack, slices[i].State);
                blocking[key] = blocking.GetValueOrDefault(key) + clipped;
            }
        }

        var wall = wallEnd - wallStart;
        states[Unknown] = Math.Max(0, wall - covered);

        // On-CPU time split by the leaf function of the CPU samples in range (each sample's share of running time).
        var running = states.GetValueOrDefault("running");
        var leaves = new Dictionary<string, long>(StringComparer.Ordinal);
        long ticks = 0;
        var instants = track.Instants;
        for (var i = track.FirstInstantAt(wallStart); i < instants.Length && instants[i].Time < wallEnd; i++)
        {
            var stack = reader.Stack(instants[i].Stack);
            var leaf = LeafFunction(stack);
            if (leaf is not null)
            {
                leaves[leaf] = leaves.GetValueOrDefault(leaf) + 1;
                ticks++;
            }
        }

        var functions = leaves.OrderByDescending(l => l.Value).Take(top).Select(l => (l.Key, running * l.Value / Math.Max(1, ticks))).ToList();
        var topBlocking = blocking.OrderByDescending(b => b.Value).Take(top).Select(b => (reader.Stack(b.Key.Stack), reader.String(b.Key.State), b.Value)).ToList();
        return new ThreadBreakdown(track.Pid, track.Tid, track.Name, track.Process, wall, states, functions, topBlocking, Reasons(reader, track, wallStart, wallEnd, top));
    }

    /// <summary>
    /// What the thread was in while it was off the CPU, from its activity lane: per outermost span
    /// ("in read on fd 3 /var/lib/x"), with the longest span nested in it appended ("(write sda, queue
    /// 3 ms + device 9 ms)"), the span's time off the CPU in the range (all of it where no scheduler
    /// states were recorded), summed by reason.
    /// </summary>
    private static IReadOnlyList<(string Reason, string Category, long Value)> Reasons(TimelineModel.TimelineReader reader, TimelineTrack track, long from, long to, int top)
    {
        var spans = track.Spans;
        if (spans.IsEmpty)
        {
            return [];
        }

        var reasons = new Dictionary<(string, string), long>();
        for (var i = track.FirstSpanNear(from); i < spans.Length && spans[i].Start < to; i++)
        {
            var outer = spans[i];
            var longestNested = -1;
            var j = i + 1;
            for (; j < spans.Length && spans[j].Start < outer.End; j++)
            {
                if (longestNested < 0 || spans[j].Duration > spans[longestNested].Duration)
                {
                    longestNested = j;
                }
            }

            var time = OffCpuWithin(reader, track, Math.Max(outer.Start, from), Math.Min(outer.End, to));
            if (time > 0)
            {
                var text = "in " + reader.String(outer.Label);
                if (longestNested >= 0)
                {
                    text += " (" + reader.String(spans[longestNested].Label) + ")";
                }

                var key = (text, reader.String(outer.State));
                reasons[key] = reasons.GetValueOrDefault(key) + time;
            }

            i = j - 1; // nested spans are told with their outer one
        }

        return [.. reasons.OrderByDescending(r => r.Value).Take(top).Select(r => (r.Key.Item1, r.Key.Item2, r.Value))];
    }

    /// <summary>Time in [from, to) the thread was not running: its state slices there, or all of it where none were recorded.</summary>
    private static long OffCpuWithin(TimelineModel.TimelineReader reader, TimelineTrack track, long from, long to)
    {
        if (to <= from)
        {
            return 0;
        }

        var slices = track.Slices;
        long running = 0;
        for (var i = track.FirstEndingAfter(from); i < slices.Length && slices[i].Start < to; i++)
        {
            var clipped = Math.Min(slices[i].End, to) - Math.Max(slices[i].Start, from);
            if (clipped <= 0)
            {
                continue;
            }

            if (reader.String(slices[i].State) == "running")
            {
                running += clipped;
            }
        }

        return (to - from) - running;
    }

    /// <summary>The innermost user function (kernel frames show where, not what the program was doing).</summary>
    private static string? LeafFunction(IReadOnlyList<Symbol> stack)
    {
        for (var i = stack.Count - 1; i >= 0; i--)
        {
            if (stack[i].Kind is FrameKind.Native or FrameKind.Jit or FrameKind.Unknown)
            {
                return stack[i].Name;
            }
        }

        return stack.Count > 0 ? stack[^1].Name : null;
    }
}

/// <summary>One thread's wall time in a range, by state (the values add up to <see cref="Wall"/>), with top functions and blocking stacks.</summary>
public sealed record ThreadBreakdown(
    int Pid,
    int Tid,
    string Name,
    string Process,
    long Wall,
    IReadOnlyDictionary<string, long> States,
    IReadOnlyList<(string Name, long Value)> TopFunctions,
    IReadOnlyList<(IReadOnlyList<Symbol> Frames, string State, long Value)> TopBlocking,
    IReadOnlyList<(string Reason, string Category, long Value)> TopReasons);
