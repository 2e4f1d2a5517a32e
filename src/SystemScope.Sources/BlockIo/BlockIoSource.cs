using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SystemScope.Core.Errors;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Activity;
using SystemScope.Core.Events.BlockIo;
using SystemScope.Core.Events.Scheduler;
using SystemScope.Core.Sources;
using SystemScope.Sources.Kit;
using SystemScope.Sources.Process;
using SystemScope.Sources.Processes;

namespace SystemScope.Sources.BlockIo;

/// <summary>
/// Block I/O for one session, on the BPF kit. Start loads <c>blockio.bpf.o</c> with the session's
/// shared maps (and the devices asked for) and attaches block_io_start, block_rq_insert, block_rq_issue,
/// block_rq_complete and block_io_done (tp_btf, else raw_tp). Once per window the loop flips the double
/// buffer and publishes the quiet slot's requests per device, process, cgroup and operation
/// (<see cref="BlockIoStats"/>); a ring reader publishes slow requests one by one as
/// <see cref="ActivitySpan"/>s of kind <see cref="BlockIoSpans.SlowRequest"/> on the submitting thread.
/// </summary>
internal sealed class BlockIoSource(SourceContext context, BlockIoSourceProvider provider, BlockDevices devices) : KitSource
{
    private static readonly TimeSpan FirstWindow = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(2);

    private readonly HashMapDrainer<BlockIoKey, BlockIoValue> _drainer = new(64);
    private readonly List<(BlockIoKey Key, BlockIoValue Value)> _stats = [];
    private readonly CgroupNames _cgroups = new();
    private DoubleBuffer? _slots;
    private StackStore? _stacks;
    private SlowDecoder? _slow;
    private SinkLanes? _lanes;
    private ProcessChannel? _channel;
    private long _cappedReported;
    private long _requests;
    private long _bytes;

    public override SourceDescriptor Descriptor => provider.Descriptor;

    protected override string ObjectName => BlockIoSchema.Object.Name;

    protected override IEnumerable<SourceCounter> OwnCounters() =>
    [
        new("requests", Interlocked.Read(ref _requests), CounterKind.Events, "block requests completed and collected"),
        new("bytes", Interlocked.Read(ref _bytes), CounterKind.Info, "bytes of the requests collected"),
        new("timeline.spans", _slow?.Published ?? 0, CounterKind.Events, "slow requests sent to the timeline"),
        new("stacks.missing", _stacks?.Missing ?? 0, CounterKind.Lost, "slow requests whose stack was gone before it was read"),
    ];

    protected override void StartLocked()
    {
        var options = context.Options;
        var wanted = WantedDevices(options.Get(provider.Devices));
        Shared = SharedKernelMaps.For(context);
        KernelObject = KitObject.Load(BlockIoSchema.Object, Shared, setup =>
        {
            setup.Set(BlockIoSchema.SlowNs, (ulong)Math.Round(options.Get(BlockIoSourceProvider.SlowMs) * 1_000_000));
            setup.Set(BlockIoSchema.SlowCapPerCpu, (uint)options.Get(BlockIoSourceProvider.SlowCap));
            setup.Set(BlockIoSchema.CaptureStacks, options.Get(BlockIoSourceProvider.Stacks));
            setup.Set(BlockIoSchema.FilterDevices, wanted.Count > 0);
        });
        var wantedMap = KernelObject.Map(BlockIoSchema.WantedDevices);
        foreach (var device in wanted)
        {
            wantedMap.Update(device.KernelDev, (byte)1);
        }

        _slots = new DoubleBuffer(KernelObject.Map(KitSchema.ActiveSlot), Settle);
        _stacks = new StackStore(KernelObject.Map(BlockIoSchema.Stacks), KernelObject.Map(KitSchema.StackReserve));
        _channel = ProcessChannel.Of(context);
        _lanes = new SinkLanes(context.Sink, 2);
        _slow = new SlowDecoder(_stacks, devices);
        Reader = new RingReader("systemscope blockio slow", _lanes[1], Poll);
        Reader.Add(KernelObject.Map(BlockIoSchema.Slow), _slow);
        Loop = new WindowLoop("systemscope blockio source", _lanes[0], context.Window, FirstWindow, Poll, CollectWindow, CollectFinal, Release);
        AttachLocked();
        Mechanisms = [.. KernelObject.Sections.Distinct()];
        Reader.Start();
        Loop.Start();
    }

    /// <summary>The devices named in the option (none: every device). Names were checked against the machine's when the option was parsed; one gone since is an error.</summary>
    private IReadOnlyList<BlockDevice> WantedDevices(IReadOnlyList<string> names)
    {
        if (names.Contains(BlockIoSourceProvider.AllDevices))
        {
            return [];
        }

        var present = devices.Scan().ToDictionary(d => d.Name, StringComparer.Ordinal);
        var missing = names.Where(n => !present.ContainsKey(n)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidRequestException(
                $"source blockio: no block device {string.Join(", ", missing)} on this machine now: its devices are {string.Join(", ", present.Keys.Order(StringComparer.Ordinal))}");
        }

        return [.. names.Select(n => present[n])];
    }

    private long CollectWindow(long startNs)
    {
        var endNs = _slots!.DrainWindow(Drain);
        Publish(startNs, endNs);
        return endNs;
    }

    private long CollectFinal(long startNs)
    {
        var endNs = _slots!.DrainFinal(Drain);
        Publish(startNs, endNs);
        return endNs;
    }

    /// <summary>Adds a slot's map to the window's list (more: the window's second slot, at the final drain).</summary>
    private void Drain(int slot, bool more)
    {
        if (!more)
        {
            _stats.Clear();
        }

        _drainer.Drain(KernelObject!.Map(BlockIoSchema.Stats(slot)), (in BlockIoKey key, in BlockIoValue value) => _stats.Add((key, value)));
    }

    private void Publish(long startNs, long endNs)
    {
        // The processes these requests belong to were announced at submission: publish that first.
        _channel?.Flush();
        var events = new List<Event<BlockIoStats>>();
        foreach (var group in _stats.GroupBy(s => (s.Key.Dev, s.Key.Tgid, s.Key.Cgroup, s.Key.Op)))
        {
            // Both slots at the final drain: the same key may come twice.
            var merged = new StatsSum();
            foreach (var (_, value) in group)
            {
                merged.Add(in value);
            }

            var key = group.Key;
            var header = new EventHeader(BlockIoStats.Kind, startNs, (int)key.Tgid, 0) { DurationNs = endNs - startNs, CgroupId = key.Cgroup };
            events.Add(new Event<BlockIoStats>(header, new BlockIoStats(
                devices.NameOf(key.Dev),
                BlockIoSchema.OpOf(key.Op),
                group.First().Value.Comm.ToString(),
                key.Cgroup == 0 ? string.Empty : _cgroups.NameOf(key.Cgroup),
                merged.Count,
                merged.Bytes,
                merged.Sequential,
                merged.Errors,
                merged.Total.ToLatency(),
                merged.Queue.ToLatency(),
                merged.Device.ToLatency(),
                merged.Sizes)));
            Interlocked.Add(ref _requests, merged.Count);
            Interlocked.Add(ref _bytes, merged.Bytes);
        }

        _stacks!.WindowEnded();
        Refresh();
        context.Sink.Publish(new EventBatch<BlockIoStats>([.. events]));
        ReportCap(startNs, endNs);
        _lanes![0].Advance(endNs);
    }

    /// <summary>What the timeline did not get because of the cap, once per window (the timeline says so).</summary>
    private void ReportCap(long startNs, long endNs)
    {
        var capped = KernelValues.GetValueOrDefault("slow.capped");
        var delta = capped - _cappedReported;
        _cappedReported = capped;
        var header = new EventHeader(StreamCap.Kind, startNs, 0, 0) { DurationNs = endNs - startNs };
        context.Sink.Publish(new EventBatch<StreamCap>([new(header, new StreamCap("blockio.slow", delta, context.Options.Get(BlockIoSourceProvider.SlowCap)))]));
    }

    /// <summary>Sums of one key's values (one per slot at the final drain).</summary>
    private sealed class StatsSum
    {
        public long Count { get; private set; }

        public long Bytes { get; private set; }

        public long Sequential { get; private set; }

        public long Errors { get; private set; }

        public LatencySum Total { get; } = new();

        public LatencySum Queue { get; } = new();

        public LatencySum Device { get; } = new();

        public long[] Sizes { get; } = new long[BlockIoSchema.SizeBuckets];

        public void Add(in BlockIoValue value)
        {
            Count += (long)value.Count;
            Bytes += (long)value.Bytes;
            Sequential += (long)value.Sequential;
            Errors += (long)value.Errors;
            Total.Add(value.Total, value.TotalSumNs, value.TotalMaxNs);
            Queue.Add(value.Queue, value.QueueSumNs, value.QueueMaxNs);
            Device.Add(value.Device, value.DeviceSumNs, value.DeviceMaxNs);
            ReadOnlySpan<ulong> sizes = value.Size;
            for (var i = 0; i < Sizes.Length; i++)
            {
                Sizes[i] += (long)sizes[i];
            }
        }
    }

    private sealed class LatencySum
    {
        private readonly long[] _buckets = new long[BlockIoSchema.LatencyBuckets];
        private long _sumNs;
        private long _maxNs;

        public void Add(ReadOnlySpan<ulong> buckets, ulong sumNs, ulong maxNs)
        {
            for (var i = 0; i < _buckets.Length; i++)
            {
                _buckets[i] += (long)buckets[i];
            }

            _sumNs += (long)sumNs;
            _maxNs = Math.Max(_maxNs, (long)maxNs);
        }

        public BlockLatency ToLatency() => new(_buckets, _sumNs, _maxNs);
    }

    /// <summary>Decodes <c>struct blockio_slow</c> records into <see cref="ActivitySpan"/>s (stacks resolved by hash).</summary>
    private sealed class SlowDecoder(StackStore stacks, BlockDevices devices) : IRecordBatcher
    {
        private readonly List<Event<ActivitySpan>> _pending = [];
        private long _published;

        public long Published => Interlocked.Read(ref _published);

        public void OnRecord(ReadOnlySpan<byte> record)
        {
            if (record.Length < Unsafe.SizeOf<BlockIoSlowRecord>())
            {
                return;
            }

            var r = MemoryMarshal.Read<BlockIoSlowRecord>(record);
            var device = devices.NameOf(r.Dev);
            var header = new EventHeader(BlockIoSpans.SlowRequest, (long)r.StartNs, (int)r.Tgid, (int)r.Tid) { DurationNs = (long)(r.QueueNs + r.DeviceNs) };
            var name = BlockIoOps.Name(BlockIoSchema.OpOf(r.Op));
            _pending.Add(new Event<ActivitySpan>(header, new ActivitySpan(
                "blockio", name, BlockIoText.Detail(device, in r), device, stacks.Resolve(r.UserStack), stacks.Resolve(r.KernelStack))
            {
                ThreadName = r.Comm.ToString(),
            }));
        }

        public void Flush(ISourceSink sink)
        {
            if (_pending.Count == 0)
            {
                return;
            }

            var batch = new EventBatch<ActivitySpan>([.. _pending]);
            _pending.Clear();
            Interlocked.Add(ref _published, batch.Count);
            sink.Publish(batch);
        }
    }
}

/// <summary>How a slow request reads: <c>vda, queue 3.1 ms + device 9.0 ms, 1 MiB at sector 2048</c>.</summary>
internal static class BlockIoText
{
    public static string Detail(string device, in BlockIoSlowRecord r)
    {
        var text = string.Create(CultureInfo.InvariantCulture,
            $"{device}, queue {Duration((long)r.QueueNs)} + device {Duration((long)r.DeviceNs)}, {Size(r.Bytes)} at sector {r.Sector}");
        return r.Error == 0 ? text : string.Create(CultureInfo.InvariantCulture, $"{text}, error {r.Error}");
    }

    public static string Duration(long ns) => ns switch
    {
        >= 1_000_000_000 => string.Create(CultureInfo.InvariantCulture, $"{ns / 1e9:0.##} s"),
        >= 1_000_000 => string.Create(CultureInfo.InvariantCulture, $"{ns / 1e6:0.#} ms"),
        >= 1_000 => string.Create(CultureInfo.InvariantCulture, $"{ns / 1e3:0} µs"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{ns} ns"),
    };

    public static string Size(long bytes) => bytes switch
    {
        >= 1 << 30 when bytes % (1 << 30) == 0 => string.Create(CultureInfo.InvariantCulture, $"{bytes >> 30} GiB"),
        >= 1 << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1 << 20):0.##} MiB"),
        >= 1 << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1 << 10):0.##} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
    };
}
