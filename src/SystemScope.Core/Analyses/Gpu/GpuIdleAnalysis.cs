using System.Globalization;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Activity;
using SystemScope.Core.Events.Cpu;
using SystemScope.Core.Events.Gpu;
using SystemScope.Core.Events.Process;
using SystemScope.Core.Events.Scheduler;
using SystemScope.Core.Models;
using SystemScope.Core.Models.Table;
using SystemScope.Core.Models.TimeSeries;
using SystemScope.Core.Sessions;
using SystemScope.Core.Symbols;

namespace SystemScope.Core.Analyses.Gpu;

/// <summary>
/// "GPU idle": per process, when its device was busy (<see cref="DeviceBusy"/>, inferred from the API
/// by <see cref="ApiBusyInference"/> until a device-activity source measures it) and the gaps between,
/// each listed (<c>gpu.idle</c>) with what the thread that submitted next was doing meanwhile, from the
/// other sources of the session: CPU samples (<c>cpu</c>), slow-call and I/O spans, off-CPU blocks with
/// their stacks (<c>offcpu</c>), scheduler states (<c>sched</c>); and the busy share per process and
/// window (<c>gpu.busy</c>). Events of all layers are applied in time order on the tick.
/// </summary>
public sealed class GpuIdleAnalysis :
    IAnalysis,
    IEventSink<GpuApiCall>,
    IEventSink<ThreadSwitch>,
    IEventSink<BlockSpan>,
    IEventSink<CpuSampleTick>,
    IEventSink<ActivitySpan>,
    IEventSink<ProcessLifecycle>
{
    public const string BusyId = "gpu.busy";

    private readonly DeviceBusy _busy = new();
    private readonly ApiBusyInference _inference;
    private readonly ThreadActivity _activity = new();
    private readonly StackNames _names;
    private readonly TimeOrdered<Action> _pending = new();
    private readonly List<IdleGap> _gaps = [];
    private readonly HashSet<int> _gpuPids = [];
    private readonly Dictionary<int, string> _processNames = [];
    private readonly Dictionary<int, string> _threadNames = [];
    private readonly long _originNs;
    private readonly GpuWindows _windows;
    private ProcessFilter _filter;

    public GpuIdleAnalysis(IStackSymbolizer symbolizer, ProcessFilter filter, long originNs, TimeSpan window)
    {
        _inference = new ApiBusyInference(_busy);
        _names = new StackNames(symbolizer);
        _filter = filter;
        _originNs = originNs;
        _windows = new GpuWindows(originNs, window);
        _busy.GapClosed += gap => _gaps.Add(new IdleGap(gap.Pid, gap.Tid, gap.StartNs, gap.EndNs));
        Gaps = IdleGapTable.Create();
        Busy = new TimeSeriesModel(new ModelDescriptor(BusyId, TimeSeriesModel.TypeName, "GPU busy share per process", "%", [GpuSources.SourceId])
        {
            Description = "Share of each window in which the process's device had work, inferred from its API calls (from a submission to the wait that saw it done).",
        });
    }

    public TableModel Gaps { get; }

    public TimeSeriesModel Busy { get; }

    public IReadOnlyList<IModel> Models => [Gaps, Busy];

    public void OnEvents(ReadOnlySpan<Event<GpuApiCall>> events)
    {
        foreach (ref readonly var e in events)
        {
            if (!_filter.MayMatch(e.Header.Pid))
            {
                continue;
            }

            var header = e.Header;
            var call = e.Payload;
            _gpuPids.Add(header.Pid);
            if (call.ProcessName.Length > 0)
            {
                _processNames[header.Pid] = call.ProcessName;
            }

            if (call.ThreadName.Length > 0)
            {
                _threadNames[header.Tid] = call.ThreadName;
            }

            _windows.Saw(header.TimestampNs + header.DurationNs);
            _pending.Add(header.TimestampNs, () => _inference.Started(header, call));
            if (GpuSources.Waits(call))
            {
                _pending.Add(header.TimestampNs + header.DurationNs, () => _inference.Ended(header, call));
            }
        }
    }

    // The other layers' events are queued for any process of the filter and kept, when applied in time
    // order, only for processes that use an accelerator: by then every call up to that time has arrived,
    // though a layer's batch may arrive before the first calls of the process.

    public void OnEvents(ReadOnlySpan<Event<ThreadSwitch>> events)
    {
        foreach (ref readonly var e in events)
        {
            var sw = e.Payload;
            var ts = e.Header.TimestampNs;
            if (sw.PrevTid != 0 && _filter.MayMatch(sw.PrevPid))
            {
                _pending.Add(ts, () =>
                {
                    if (_gpuPids.Contains(sw.PrevPid))
                    {
                        _activity.Switched(sw.PrevTid, ts, sw.PrevState);
                    }
                });
            }

            if (sw.NextTid != 0 && _filter.MayMatch(sw.NextPid))
            {
                _pending.Add(ts, () =>
                {
                    if (_gpuPids.Contains(sw.NextPid))
                    {
                        _activity.Switched(sw.NextTid, ts, SchedState.Running);
                    }
                });
            }
        }
    }

    public void OnEvents(ReadOnlySpan<Event<BlockSpan>> events)
    {
        foreach (ref readonly var e in events)
        {
            if (!_filter.MayMatch(e.Header.Pid))
            {
                continue;
            }

            var header = e.Header;
            var span = e.Payload;
            _pending.Add(header.TimestampNs + header.DurationNs, () =>
            {
                if (_gpuPids.Contains(header.Pid))
                {
                    var where = _names.Describe(header.Pid, span.UserStack.Span, 3);
                    var reason = SchedStates.Name(span.State) + (where.Length > 0 ? " in " + where : string.Empty);
                    _activity.Block(header.Tid, header.TimestampNs, header.TimestampNs + header.DurationNs, reason);
                }
            });
        }
    }

    public void OnEvents(ReadOnlySpan<Event<CpuSampleTick>> events)
    {
        foreach (ref readonly var e in events)
        {
            if (e.Header.Tid == 0 || !_filter.MayMatch(e.Header.Pid))
            {
                continue;
            }

            var header = e.Header;
            var stack = e.Payload.UserStack;
            _pending.Add(header.TimestampNs, () =>
            {
                if (_gpuPids.Contains(header.Pid))
                {
                    var where = _names.Describe(header.Pid, stack.Span, 2);
                    _activity.Sample(header.Tid, header.TimestampNs, where.Length > 0 ? where : "kernel code");
                }
            });
        }
    }

    public void OnEvents(ReadOnlySpan<Event<ActivitySpan>> events)
    {
        foreach (ref readonly var e in events)
        {
            // The gpu source's own spans are the waits that make the device busy, not what the thread did while it idled.
            if (e.Header.Tid == 0 || e.Payload.Category == GpuSources.SpanCategory || !_filter.MayMatch(e.Header.Pid))
            {
                continue;
            }

            var header = e.Header;
            var reason = e.Payload.Reason;
            _pending.Add(header.TimestampNs, () =>
            {
                if (_gpuPids.Contains(header.Pid))
                {
                    _activity.Span(header.Tid, header.TimestampNs, header.TimestampNs + header.DurationNs, reason);
                }
            });
        }
    }

    public void OnEvents(ReadOnlySpan<Event<ProcessLifecycle>> events)
    {
        foreach (ref readonly var e in events)
        {
            var header = e.Header;
            var change = e.Payload;
            if (change.Change is ProcessChange.Exit && _gpuPids.Contains(header.Pid))
            {
                _pending.Add(header.TimestampNs, () =>
                {
                    _busy.Exited(header.Pid, header.TimestampNs);
                    _inference.Exited(header.Pid);
                });
            }
            else if (change.Change is ProcessChange.Seen or ProcessChange.Exec or ProcessChange.Fork && change.Name.Length > 0)
            {
                _processNames.TryAdd(header.Pid, change.Name);
            }
        }
    }

    /// <summary>Applies what every source has delivered, closes the windows passed, and lists the gaps (long.MaxValue: the session ended).</summary>
    public void OnTick(long watermarkNs)
    {
        _pending.ApplyUpTo(watermarkNs, static apply => apply());
        foreach (var (start, end) in _windows.Due(watermarkNs))
        {
            CloseWindow(start, end);
        }

        Publish(watermarkNs);
    }

    public void Reset()
    {
        _pending.Clear();
        _busy.Reset();
        _inference.Reset();
        _activity.Reset();
        _gaps.Clear();
        Gaps.Reset();
        Busy.Reset();
    }

    public void OnFilterChanged(ProcessFilter filter)
    {
        _filter = filter;
        _gpuPids.Clear();
        Reset();
    }

    private void CloseWindow(long start, long end)
    {
        var values = _busy.Processes.Order()
            .Select(pid => (pid.ToString(CultureInfo.InvariantCulture), Label(pid), 100.0 * _busy.BusyNs(pid, start, end) / (end - start)))
            .ToList();
        Busy.Add(start, end, values);
        _busy.Forget(end);
    }

    /// <summary>Explains the gaps not yet settled and the ongoing ones, and replaces the table's rows.</summary>
    private void Publish(long watermarkNs)
    {
        if (_gaps.Count > IdleGapTable.MaxGaps)
        {
            _gaps.RemoveRange(0, _gaps.Count - IdleGapTable.MaxGaps);
        }

        // Evidence of what a thread did may come a window late (an off-CPU block is published at its end).
        var settleBefore = watermarkNs == long.MaxValue ? long.MaxValue : watermarkNs - (2 * _windows.WindowNs);
        var keepFrom = watermarkNs == long.MaxValue ? long.MaxValue : watermarkNs - (4 * _windows.WindowNs);
        foreach (var gap in _gaps.Where(g => !g.Settled))
        {
            gap.Activity = _activity.Explain(gap.Tid, gap.StartNs, gap.EndNs);
            gap.Settled = gap.EndNs < settleBefore;
            keepFrom = Math.Min(keepFrom, gap.StartNs);
        }

        var rows = _gaps.Where(g => g.EndNs - g.StartNs >= IdleGapTable.MinListedNs)
            .Select(g => IdleGapTable.Row(g, ongoing: false, Process(g.Pid), Thread(g.Tid), _originNs))
            .ToList();
        if (watermarkNs != long.MaxValue)
        {
            foreach (var (pid, since, tid) in _busy.Idle)
            {
                keepFrom = Math.Min(keepFrom, since);
                if (watermarkNs - since >= IdleGapTable.MinListedNs)
                {
                    var open = new IdleGap(pid, tid, since, watermarkNs) { Activity = _activity.Explain(tid, since, watermarkNs) };
                    rows.Add(IdleGapTable.Row(open, ongoing: true, Process(pid), Thread(tid), _originNs));
                }
            }
        }

        _activity.Forget(keepFrom);
        Gaps.Set(rows);
    }

    private string Process(int pid) => _processNames.GetValueOrDefault(pid) ?? "pid " + pid.ToString(CultureInfo.InvariantCulture);

    private string Thread(int tid) => _threadNames.GetValueOrDefault(tid) ?? "tid " + tid.ToString(CultureInfo.InvariantCulture);

    private string Label(int pid) => $"{Process(pid)} ({pid.ToString(CultureInfo.InvariantCulture)})";
}

/// <summary>Adds "GPU idle" and the busy share to every session with the <c>gpu</c> source.</summary>
public sealed class GpuIdleAnalysisProvider(IStackSymbolizer symbolizer) : IAnalysisProvider
{
    public bool AppliesTo(IReadOnlySet<string> sources) => sources.Contains(GpuSources.SourceId);

    public IAnalysis Create(AnalysisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var analysis = new GpuIdleAnalysis(symbolizer, context.Filter.Current, context.OriginNs, context.Spec.Window);
        context.Bus.Subscribe<GpuApiCall>(analysis);
        context.Bus.Subscribe<ThreadSwitch>(analysis);
        context.Bus.Subscribe<BlockSpan>(analysis);
        context.Bus.Subscribe<CpuSampleTick>(analysis);
        context.Bus.Subscribe<ActivitySpan>(analysis);
        context.Bus.Subscribe<ProcessLifecycle>(analysis);
        return analysis;
    }
}
