using SystemScope.Bpf;
using SystemScope.Core.Errors;
using SystemScope.Core.Events;
using SystemScope.Core.Options;
using SystemScope.Core.Sources;
using SystemScope.Sources.Kit;

namespace SystemScope.Sources.BlockIo;

/// <summary>
/// The block I/O source: requests, bytes and latency (queue and device time) per device, process,
/// cgroup and operation, request sizes, sequential share, and slow requests on the submitting thread.
/// The <c>devices</c> option lists this machine's block devices, read when the agent starts.
/// </summary>
public sealed class BlockIoSourceProvider : ISourceProvider
{
    /// <summary>The <c>devices</c> value that means every device.</summary>
    public const string AllDevices = "all";

    public static readonly NumberOption SlowMs = new(
        "slowMs", "Requests at least this long from queue to completion go to the timeline one by one, on the thread that submitted them (0: every request, within slowCap)", 0, 3_600_000, 10, "ms");

    public static readonly IntegerOption SlowCap = new(
        "slowCap", "At most this many slow requests per second per CPU go to the timeline (the rest are counted)", 0, 1_000_000, 200, "per s per CPU");

    public static readonly BooleanOption Stacks = new(
        "stacks", "Walk the submitter's user and kernel stacks at each request's submission, shown with slow requests (costs a stack walk per request)", false);

    private readonly BlockDevices _devices;

    public BlockIoSourceProvider()
        : this(new BlockDevices())
    {
    }

    internal BlockIoSourceProvider(BlockDevices devices)
    {
        _devices = devices;
        Devices = new ChoicesOption(
            "devices",
            "Only requests to these block devices (a disk includes its partitions); 'all' for every device",
            [AllDevices, .. devices.Scan().Select(d => d.Name)],
            [AllDevices]);
        Descriptor = new SourceDescriptor(
            "blockio",
            "Block I/O",
            Layer.BlockIo,
            "Block requests per device, process, cgroup and operation: count, bytes, latency split into queue time (insert → issue) and device time (issue → completion), sizes and sequential share, attributed to the submitting process even when they complete in interrupt context; slow requests on the submitting thread's timeline. From the block_io_start, block_rq_insert, block_rq_issue, block_rq_complete and block_io_done tracepoints.")
        {
            Options = [SlowMs, SlowCap, Stacks, Devices],
            FeedsTimeline = true,
        };
    }

    /// <summary>Which devices to observe: any subset of this machine's block devices, or <c>all</c>.</summary>
    public ChoicesOption Devices { get; }

    public SourceDescriptor Descriptor { get; }

    public void Validate(OptionValues options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var devices = options.Get(Devices);
        if (devices.Count > 1 && devices.Contains(AllDevices))
        {
            throw new InvalidRequestException(
                $"source blockio: devices '{string.Join(',', devices)}' mixes '{AllDevices}' with device names: give either '{AllDevices}' or the devices");
        }
    }

    /// <summary>Loads the object with maps of its own (then closes it), reporting which attach mechanism loaded.</summary>
    public SourceAvailability Probe()
    {
        try
        {
            using var obj = KitObject.Load(BlockIoSchema.Object, shared: null);
            return SourceAvailability.Yes(obj.Variant?.Mechanism ?? "tracepoints", "block_io_start", "block_rq_insert", "block_rq_complete", "block_io_done");
        }
        catch (BpfException ex)
        {
            return SourceAvailability.No($"source blockio: {ex.Message}", ex.Detail);
        }
        catch (FileNotFoundException ex)
        {
            return SourceAvailability.No($"source blockio: {ex.Message}");
        }
        catch (DllNotFoundException ex)
        {
            return SourceAvailability.No($"source blockio: libbpf is not available: {ex.Message}");
        }
    }

    public ISource Create(SourceContext context) => new BlockIoSource(context, this, _devices);
}
