using SystemScope.Bpf;
using SystemScope.Core.Events.Accel;
using SystemScope.Core.Sources;
using SystemScope.Sources.Kit;
using SystemScope.Sources.Syscalls;

namespace SystemScope.Sources.Accel;

/// <summary>
/// Device jobs from the kernel's tracepoints: <c>dma_fence:*</c> (built into any kernel with DMA-BUF),
/// attached as emit→signaled spans (<see cref="FenceDecoder"/>); and the DRM GPU scheduler's
/// (<c>gpu_scheduler:*</c>, in the <c>gpu-sched</c> module, loaded only with a driver that uses it:
/// amdgpu, xe, panfrost, v3d, amdxdna …), which is found and named but not attached by this version.
/// </summary>
internal sealed class FenceTracer : IDisposable
{
    public static readonly string[] FenceEvents = ["dma_fence_init", "dma_fence_emit", "dma_fence_signaled", "dma_fence_destroy", "dma_fence_wait_start", "dma_fence_wait_end"];

    /// <summary>Mainline names first (queue/run/done), then the older ones.</summary>
    public static readonly string[] SchedulerEvents = ["drm_sched_job_queue", "drm_sched_job_run", "drm_sched_job_done", "drm_sched_job", "drm_run_job", "drm_sched_process_job"];

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    private readonly KitObject _object;
    private readonly List<BpfLink> _links;
    private readonly RingReader _reader;
    private readonly FenceDecoder _decoder;

    private FenceTracer(KitObject obj, List<BpfLink> links, RingReader reader, FenceDecoder decoder, IReadOnlyList<string> mechanisms)
    {
        _object = obj;
        _links = links;
        _reader = reader;
        _decoder = decoder;
        Mechanisms = mechanisms;
    }

    public IReadOnlyList<string> Mechanisms { get; }

    public IEnumerable<SourceCounter> Counters =>
        [new("jobs.spans", _decoder.Published, CounterKind.Events, "device jobs (dma_fence emit→signaled) sent to the timeline"), .. KernelCounters.Report(_object.Counters.Read(), "accel_fence")];

    /// <summary>The tracepoints present, as <c>system:event</c>, and where that was read from.</summary>
    public static (IReadOnlyList<string> Present, string From) AvailableTracepoints()
    {
        var present = new List<string>();
        if (Tracefs.Root is { } root)
        {
            var events = Path.Combine(root, "events");
            present.AddRange(FenceEvents.Where(e => Directory.Exists(Path.Combine(events, "dma_fence", e))).Select(e => "dma_fence:" + e));
            present.AddRange(SchedulerEvents.Where(e => Directory.Exists(Path.Combine(events, "gpu_scheduler", e))).Select(e => "gpu_scheduler:" + e));
            return (present, events);
        }

        return (present, "tracefs (" + Tracefs.Note + ")");
    }

    /// <summary>Lines for the mechanisms list and the status: which job tracepoints exist here and which do not.</summary>
    public static IReadOnlyList<string> Describe((IReadOnlyList<string> Present, string From) tracepoints)
    {
        var fences = tracepoints.Present.Where(t => t.StartsWith("dma_fence:", StringComparison.Ordinal)).ToList();
        var scheduler = tracepoints.Present.Where(t => t.StartsWith("gpu_scheduler:", StringComparison.Ordinal)).ToList();
        return
        [
            HasEmitAndSignal(tracepoints.Present) ? $"tp/dma_fence/dma_fence_emit, tp/dma_fence/dma_fence_signaled ({fences.Count} dma_fence tracepoints in {tracepoints.From})" : $"dma_fence tracepoints: not available ({tracepoints.From} has no dma_fence_emit and dma_fence_signaled)",
            scheduler.Count > 0 ? $"gpu_scheduler tracepoints present ({string.Join(", ", scheduler)}) but not attached by this version" : "gpu_scheduler tracepoints: not available (the gpu-sched module is not loaded: no DRM scheduler driver on this machine)",
        ];
    }

    /// <summary>Attaches the fence programs where the tracepoints exist; adds both parts' status. Null when not attached.</summary>
    public static FenceTracer? Start(SourceContext context, ISourceSink sink, List<AccelStatus> status)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(status);
        var tracepoints = AvailableTracepoints();
        var lines = Describe(tracepoints);
        status.Add(new AccelStatus("gpu_scheduler", false, lines[1]));
        if (!HasEmitAndSignal(tracepoints.Present))
        {
            status.Add(new AccelStatus("dma_fence", false, lines[0]));
            return null;
        }

        KitObject? obj = null;
        var links = new List<BpfLink>();
        try
        {
            obj = KitObject.Load(FenceSchema.Object, SharedKernelMaps.For(context));
            links.Add(obj.Program(FenceSchema.Emit).Attach());
            links.Add(obj.Program(FenceSchema.Signaled).Attach());
            var decoder = new FenceDecoder();
            var reader = new RingReader("systemscope accel jobs", sink, Poll);
            reader.Add(obj.Map(FenceSchema.Jobs), decoder);
            reader.Start();
            status.Add(new AccelStatus("dma_fence", true, "attached: " + lines[0]));
            return new FenceTracer(obj, links, reader, decoder, [lines[0], lines[1]]);
        }
        catch (Exception ex) when (ex is BpfException or DllNotFoundException)
        {
            links.ForEach(l => l.Dispose());
            obj?.Dispose();
            status.Add(new AccelStatus("dma_fence", false, "not available: " + ex.Message));
            return null;
        }
    }

    public void Dispose()
    {
        foreach (var link in _links)
        {
            link.Dispose();
        }

        // The reader publishes what is still in the ring before the object goes.
        _reader.Dispose();
        _object.Dispose();
    }

    private static bool HasEmitAndSignal(IReadOnlyList<string> present) =>
        present.Contains("dma_fence:dma_fence_emit") && present.Contains("dma_fence:dma_fence_signaled");
}
