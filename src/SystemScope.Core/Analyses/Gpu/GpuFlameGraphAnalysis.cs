using System.Globalization;
using SystemScope.Core.Analyses.Stacks;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Gpu;
using SystemScope.Core.Models;
using SystemScope.Core.Models.FlameGraph;
using SystemScope.Core.Sessions;
using SystemScope.Core.Symbols;

namespace SystemScope.Core.Analyses.Gpu;

/// <summary>
/// The merged CPU + GPU flame graphs: the host stacks that called the accelerator API, with the device
/// work on top as a frame of kind <see cref="FrameKind.Gpu"/>. Three graphs, one per weighting, because
/// a flame graph has one unit: kernels by launches (<c>gpu.flame.launches</c>), copies by bytes with
/// the direction on top (<c>gpu.flame.copies</c>), synchronisations by the time the host waited in
/// them (<c>gpu.flame.waits</c>). Calls the library failed (non-zero result) launched and copied
/// nothing and are left out of the first two; a failed wait still cost its time.
/// </summary>
public sealed class GpuFlameGraphAnalysis : IAnalysis, IEventSink<GpuApiCall>
{
    public const string LaunchesId = "gpu.flame.launches";
    public const string CopiesId = "gpu.flame.copies";
    public const string WaitsId = "gpu.flame.waits";

    private readonly StackBuilder _stacks;
    private readonly GpuFrames _frames;
    private readonly GpuWindows _windows;
    private readonly Symbol[] _top = new Symbol[1];
    private readonly TimeOrdered<Event<GpuApiCall>> _pending = new();
    private ProcessFilter _filter;

    public GpuFlameGraphAnalysis(IStackSymbolizer symbolizer, ProcessFilter filter, long originNs, TimeSpan window)
    {
        _stacks = new StackBuilder(symbolizer);
        _frames = new GpuFrames(symbolizer);
        _filter = filter;
        _windows = new GpuWindows(originNs, window);
        Launches = Graph(LaunchesId, "GPU kernels by launching stack", "launches",
            "Kernel launches by the host stack that launched them, the kernel on top (merged CPU + GPU flame graph).");
        Copies = Graph(CopiesId, "GPU copies by stack", "bytes",
            "Bytes copied to, from and within the device by the host stack that asked, the direction on top.");
        Waits = Graph(WaitsId, "Host waits on the GPU by stack", "ns",
            "Time host threads waited in synchronisation calls, by stack, the call on top.");
    }

    public FlameGraphModel Launches { get; }

    public FlameGraphModel Copies { get; }

    public FlameGraphModel Waits { get; }

    public IReadOnlyList<IModel> Models => [Launches, Copies, Waits];

    public void OnEvents(ReadOnlySpan<Event<GpuApiCall>> events)
    {
        foreach (ref readonly var e in events)
        {
            if (_filter.MayMatch(e.Header.Pid) && Weigh(e.Header, e.Payload).Model is not null)
            {
                _windows.Saw(e.Header.TimestampNs + e.Header.DurationNs);
                _pending.Add(e.Header.TimestampNs, e);
            }
        }
    }

    /// <summary>Closes the windows every source has passed, each with the calls that started in it (the last one when the session ends).</summary>
    public void OnTick(long watermarkNs)
    {
        foreach (var (start, end) in _windows.Due(watermarkNs))
        {
            _pending.ApplyUpTo(end - 1, Add);
            Launches.CloseWindow(start, end);
            Copies.CloseWindow(start, end);
            Waits.CloseWindow(start, end);
        }
    }

    public void Reset()
    {
        Launches.Reset();
        Copies.Reset();
        Waits.Reset();
        _frames.Reset();
        _pending.Clear();
    }

    public void OnFilterChanged(ProcessFilter filter)
    {
        _filter = filter;
        Reset();
    }

    private void Add(Event<GpuApiCall> e)
    {
        var call = e.Payload;
        var (model, weight) = Weigh(e.Header, call);
        _top[0] = call.Class switch
        {
            GpuCallClass.Launch or GpuCallClass.Submit => _frames.Kernel(e.Header.Pid, call),
            GpuCallClass.Synchronize => _frames.Wait(call),
            _ => _frames.Copy(call.Class),
        };
        var process = _filter.SinglePid is null ? ProcessName(e.Header.Pid, call) : null;
        model?.Add(_stacks.Build(e.Header.Pid, call.UserStack.Span, default, process, _top), weight);
    }

    /// <summary>Which graph a call goes to, and with what weight (null: none).</summary>
    private (FlameGraphModel? Model, long Weight) Weigh(in EventHeader header, in GpuApiCall call) => call.Class switch
    {
        GpuCallClass.Launch or GpuCallClass.Submit when call.Result == 0 => (Launches, 1L),
        GpuCallClass.CopyHostToDevice or GpuCallClass.CopyDeviceToHost or GpuCallClass.CopyDeviceToDevice or GpuCallClass.Copy
            when call.Result == 0 && call.Bytes > 0 => (Copies, call.Bytes),
        GpuCallClass.Synchronize when header.DurationNs > 0 => (Waits, header.DurationNs),
        _ => (null, 0L),
    };

    private static string ProcessName(int pid, in GpuApiCall call) =>
        call.ProcessName.Length > 0 ? call.ProcessName : "pid " + pid.ToString(CultureInfo.InvariantCulture);

    private static FlameGraphModel Graph(string id, string title, string unit, string description) =>
        new(new ModelDescriptor(id, FlameGraphModel.TypeName, title, unit, [GpuSources.SourceId]) { Description = description });
}

/// <summary>Adds the merged CPU + GPU flame graphs to every session with the <c>gpu</c> source.</summary>
public sealed class GpuFlameGraphAnalysisProvider(IStackSymbolizer symbolizer) : IAnalysisProvider
{
    public bool AppliesTo(IReadOnlySet<string> sources) => sources.Contains(GpuSources.SourceId);

    public IAnalysis Create(AnalysisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var analysis = new GpuFlameGraphAnalysis(symbolizer, context.Filter.Current, context.OriginNs, context.Spec.Window);
        context.Bus.Subscribe(analysis);
        return analysis;
    }
}
