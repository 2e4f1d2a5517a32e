using SystemScope.Core.Events;
using SystemScope.Core.Sources;

namespace SystemScope.Sources.Kit;

/// <summary>
/// One source, several threads handing over (a window loop for what the kernel aggregates, a ring
/// reader for what it streams): each thread gets a lane with its own watermark, and the source's
/// watermark is the earliest of them — a lane that has read up to now must not promise that the
/// window still being aggregated is complete.
/// </summary>
internal sealed class SinkLanes
{
    private readonly ISourceSink _sink;
    private readonly Lane[] _lanes;

    public SinkLanes(ISourceSink sink, int lanes)
    {
        ArgumentNullException.ThrowIfNull(sink);
        ArgumentOutOfRangeException.ThrowIfLessThan(lanes, 1);
        _sink = sink;
        _lanes = [.. Enumerable.Range(0, lanes).Select(_ => new Lane(this))];
    }

    public ISourceSink this[int lane] => _lanes[lane];

    private void Advanced()
    {
        var earliest = long.MaxValue;
        foreach (var lane in _lanes)
        {
            earliest = Math.Min(earliest, lane.WatermarkNs);
        }

        if (earliest != long.MinValue)
        {
            _sink.Advance(earliest);
        }
    }

    private sealed class Lane(SinkLanes owner) : ISourceSink
    {
        private long _watermark = long.MinValue;

        public long WatermarkNs => Interlocked.Read(ref _watermark);

        public void Publish<TPayload>(EventBatch<TPayload> batch)
            where TPayload : struct => owner._sink.Publish(batch);

        public void Advance(long timestampNs)
        {
            long current;
            do
            {
                current = Interlocked.Read(ref _watermark);
                if (timestampNs <= current)
                {
                    return;
                }
            }
            while (Interlocked.CompareExchange(ref _watermark, timestampNs, current) != current);

            owner.Advanced();
        }
    }
}
