using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Accel;
using SystemScope.Core.Events.Activity;
using SystemScope.Core.Sources;
using SystemScope.Sources.Kit;

namespace SystemScope.Sources.Accel;

/// <summary>
/// Decodes fence records into <see cref="ActivitySpan"/>s of kind <see cref="AccelJobSpan.Kind"/>:
/// category <c>accel</c>, on the emitting thread, its device the driver's timeline
/// (<c>amdgpu gfx_0.0.0</c>), so the timeline shows one track per ring.
/// </summary>
internal sealed class FenceDecoder : IRecordBatcher
{
    private readonly List<FenceJobRecord> _pending = [];
    private long _published;

    public long Published => Interlocked.Read(ref _published);

    public void OnRecord(ReadOnlySpan<byte> record)
    {
        if (record.Length >= Unsafe.SizeOf<FenceJobRecord>())
        {
            _pending.Add(MemoryMarshal.Read<FenceJobRecord>(record));
        }
    }

    public void Flush(ISourceSink sink)
    {
        if (_pending.Count == 0)
        {
            return;
        }

        var spans = new Event<ActivitySpan>[_pending.Count];
        for (var i = 0; i < _pending.Count; i++)
        {
            spans[i] = Span(_pending[i]);
        }

        _pending.Clear();
        Interlocked.Add(ref _published, spans.Length);
        sink.Publish(new EventBatch<ActivitySpan>(spans));
    }

    public static Event<ActivitySpan> Span(in FenceJobRecord r)
    {
        var duration = r.SignaledNs > r.EmitNs ? (long)(r.SignaledNs - r.EmitNs) : 0;
        var header = new EventHeader(AccelJobSpan.Kind, (long)r.EmitNs, (int)r.Tgid, (int)r.Tid) { DurationNs = duration };
        var driver = r.Driver.ToString();
        var timeline = r.Timeline.ToString();
        var detail = string.Create(CultureInfo.InvariantCulture, $"{driver} {timeline} context {r.Context} seqno {r.Seqno}");
        return new Event<ActivitySpan>(header, new ActivitySpan("accel", "device job", detail, $"{driver} {timeline}", ReadOnlyMemory<ulong>.Empty, ReadOnlyMemory<ulong>.Empty)
        {
            ThreadName = r.Comm.ToString(),
        });
    }
}
