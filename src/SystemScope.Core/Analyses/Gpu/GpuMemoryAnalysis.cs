using System.Globalization;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Gpu;
using SystemScope.Core.Events.Process;
using SystemScope.Core.Models;
using SystemScope.Core.Models.TimeSeries;
using SystemScope.Core.Sessions;

namespace SystemScope.Core.Analyses.Gpu;

/// <summary>
/// Device memory in flight per process (<c>gpu.memory</c>): bytes allocated through the API and not yet
/// freed, at the end of each window. A free names only the pointer, so it is matched to the allocation
/// that returned that pointer; a free of memory allocated before the session (an unknown pointer)
/// changes nothing. A process that exits has freed everything. Failed allocations add nothing.
/// </summary>
public sealed class GpuMemoryAnalysis : IAnalysis, IEventSink<GpuApiCall>, IEventSink<ProcessLifecycle>
{
    public const string ModelId = "gpu.memory";

    private readonly Dictionary<int, ProcessMemory> _processes = [];
    private readonly GpuWindows _windows;
    private ProcessFilter _filter;

    public GpuMemoryAnalysis(ProcessFilter filter, long originNs, TimeSpan window)
    {
        _filter = filter;
        _windows = new GpuWindows(originNs, window);
        Memory = new TimeSeriesModel(new ModelDescriptor(ModelId, TimeSeriesModel.TypeName, "GPU memory in flight per process", "bytes", [GpuSources.SourceId])
        {
            Description = "Device memory allocated through the API and not yet freed (frees matched to allocations by device pointer), per process, at each window's end.",
        });
    }

    public TimeSeriesModel Memory { get; }

    public IReadOnlyList<IModel> Models => [Memory];

    /// <summary>Bytes in flight for <paramref name="pid"/> now.</summary>
    public long InFlight(int pid) => _processes.TryGetValue(pid, out var p) ? p.Bytes : 0;

    public void OnEvents(ReadOnlySpan<Event<GpuApiCall>> events)
    {
        foreach (ref readonly var e in events)
        {
            var call = e.Payload;
            if (call.Class is not (GpuCallClass.Alloc or GpuCallClass.Free) || call.Result != 0 || !_filter.MayMatch(e.Header.Pid))
            {
                continue;
            }

            _windows.Saw(e.Header.TimestampNs + e.Header.DurationNs);
            var process = Process(e.Header.Pid, call.ProcessName);
            if (call.Class == GpuCallClass.Alloc && call.Bytes > 0)
            {
                // A pointer handed out again without a free seen (one missed): the new size replaces the old.
                if (call.DevicePointer != 0 && process.Live.Remove(call.DevicePointer, out var stale))
                {
                    process.Bytes -= stale;
                }

                process.Bytes += call.Bytes;
                if (call.DevicePointer != 0)
                {
                    process.Live[call.DevicePointer] = call.Bytes;
                }
            }
            else if (call.Class == GpuCallClass.Free && process.Live.Remove(call.DevicePointer, out var size))
            {
                process.Bytes -= size;
            }
        }
    }

    public void OnEvents(ReadOnlySpan<Event<ProcessLifecycle>> events)
    {
        foreach (ref readonly var e in events)
        {
            if (e.Payload.Change == ProcessChange.Exit && _processes.TryGetValue(e.Header.Pid, out var process))
            {
                process.Live.Clear();
                process.Bytes = 0;
            }
        }
    }

    public void OnTick(long watermarkNs)
    {
        foreach (var (start, end) in _windows.Due(watermarkNs))
        {
            Memory.Add(start, end, _processes.OrderBy(p => p.Key).Select(p => (
                p.Key.ToString(CultureInfo.InvariantCulture),
                $"{p.Value.Name} ({p.Key.ToString(CultureInfo.InvariantCulture)})",
                (double)p.Value.Bytes)).ToList());
        }
    }

    public void Reset()
    {
        _processes.Clear();
        Memory.Reset();
    }

    public void OnFilterChanged(ProcessFilter filter)
    {
        _filter = filter;
        Reset();
    }

    private ProcessMemory Process(int pid, string name)
    {
        if (!_processes.TryGetValue(pid, out var process))
        {
            _processes[pid] = process = new ProcessMemory(name.Length > 0 ? name : "pid " + pid.ToString(CultureInfo.InvariantCulture));
        }

        return process;
    }

    private sealed class ProcessMemory(string name)
    {
        public string Name { get; } = name;

        public Dictionary<ulong, long> Live { get; } = [];

        public long Bytes { get; set; }
    }
}

/// <summary>Adds device memory in flight to every session with the <c>gpu</c> source.</summary>
public sealed class GpuMemoryAnalysisProvider : IAnalysisProvider
{
    public bool AppliesTo(IReadOnlySet<string> sources) => sources.Contains(GpuSources.SourceId);

    public IAnalysis Create(AnalysisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var analysis = new GpuMemoryAnalysis(context.Filter.Current, context.OriginNs, context.Spec.Window);
        context.Bus.Subscribe<GpuApiCall>(analysis);
        context.Bus.Subscribe<ProcessLifecycle>(analysis);
        return analysis;
    }
}
