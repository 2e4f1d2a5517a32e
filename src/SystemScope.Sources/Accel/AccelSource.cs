using System.Diagnostics;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Accel;
using SystemScope.Core.Sources;
using SystemScope.Sources.Kit;
using SystemScope.Sources.Memory;

namespace SystemScope.Sources.Accel;

/// <summary>
/// The accel source for one session: a loop that every interval scans for DRM clients
/// (<see cref="DrmFdScanner"/>) and reads NVML (<see cref="NvmlSampler"/>), plus the fence tracer
/// (<see cref="FenceTracer"/>) when the kernel has the tracepoints. What a part could not use is
/// published once as an <see cref="AccelStatus"/> and named in the mechanisms.
/// </summary>
internal sealed class AccelSource(SourceContext context, string procRoot) : ISource
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    private readonly Lock _gate = new();
    private readonly List<AccelStatus> _status = [];
    private DrmFdScanner? _scanner;
    private NvmlLibrary? _nvml;
    private NvmlSampler? _nvmlSampler;
    private FenceTracer? _fences;
    private WindowLoop? _loop;
    private ISourceSink _sink = context.Sink;
    private volatile bool _paused;
    private long _lastReadingNs;
    private long _scanCpuNs;
    private long _scans;
    private long _clientsPublished;
    private long _nvmlSamples;
    private bool _disposed;

    public SourceDescriptor Descriptor => AccelSourceProvider.SourceDescriptor;

    public IReadOnlyList<string> Mechanisms { get; private set; } = [];

    public IReadOnlyList<SourceCounter> Counters
    {
        get
        {
            var counters = new List<SourceCounter>
            {
                new("drm.scans", Interlocked.Read(ref _scans), CounterKind.Info, "scans of the processes' fd links for DRM devices"),
                new("drm.scan_us", Interlocked.Read(ref _scans) == 0 ? 0 : Interlocked.Read(ref _scanCpuNs) / Interlocked.Read(ref _scans) / 1000, CounterKind.Info, "CPU time of one scan, µs (the agent's thread time)"),
                new("drm.clients", Interlocked.Read(ref _clientsPublished), CounterKind.Events, "DRM client readings published"),
                new("drm.fds_without_stats", _scanner?.FdsWithoutStats ?? 0, CounterKind.Info, "DRM fds whose fdinfo had no usage stats"),
                new("nvml.samples", Interlocked.Read(ref _nvmlSamples), CounterKind.Events, "NVML device readings published"),
                new("nvml.failures", _nvmlSampler?.Failures ?? 0, CounterKind.Lost, "NVML calls that failed (other than NOT_SUPPORTED); last: " + (_nvmlSampler?.LastFailure ?? "none")),
                new("windows", _loop?.Windows ?? 0, CounterKind.Info, "readings taken"),
            };
            counters.AddRange(_fences?.Counters ?? []);
            return counters;
        }
    }

    public void Start()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var options = context.Options;
            var mechanisms = new List<string>();
            if (options.Get(AccelSourceProvider.Drm))
            {
                _scanner = new DrmFdScanner(procRoot);
                mechanisms.Add("/proc/PID/fd links + /proc/PID/fdinfo (DRM client usage stats)");
                _status.Add(new AccelStatus("drm-fdinfo", true, DrmDevicesHere()));
            }

            if (options.Get(AccelSourceProvider.Nvml))
            {
                _nvml = NvmlLibrary.TryOpen(out var why);
                if (_nvml is null)
                {
                    mechanisms.Add("NVML " + why);
                    _status.Add(new AccelStatus("nvml", false, why));
                }
                else
                {
                    _nvmlSampler = new NvmlSampler(_nvml, procRoot);
                    var devices = _nvmlSampler.Devices();
                    mechanisms.Add($"NVML ({NvmlLibrary.FileName}, {devices.Count} GPU(s))");
                    _status.Add(new AccelStatus("nvml", true, $"{devices.Count} GPU(s): {string.Join(", ", devices.Select(d => $"{d.Index} {d.Name}"))}"));
                }
            }

            // Two lanes when fences are traced: the session's watermark is the older of the loop's and the ring reader's.
            var lanes = new SinkLanes(context.Sink, 2);
            if (options.Get(AccelSourceProvider.Fences))
            {
                _fences = FenceTracer.Start(context, lanes[1], _status);
                mechanisms.AddRange(_fences?.Mechanisms ?? FenceTracer.Describe(FenceTracer.AvailableTracepoints()));
            }

            _sink = _fences is null ? context.Sink : lanes[0];

            Mechanisms = mechanisms;
            var interval = TimeSpan.FromMilliseconds(options.Get(AccelSourceProvider.Interval));
            _lastReadingNs = MonotonicClock.NowNs();
            PublishStatus(_lastReadingNs);
            _loop = new WindowLoop("systemscope accel source", _sink, interval, interval, Tick, Read, Read, () => { });
            _loop.Start();
        }
    }

    public void Pause() => _paused = true;

    public void Resume() => _paused = false;

    public void Dispose()
    {
        WindowLoop? loop;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            loop = _loop;
        }

        _fences?.Dispose();
        loop?.Dispose();
        _nvml?.Dispose();
    }

    /// <summary>One reading: DRM clients and NVML; returns its time (the end of the interval).</summary>
    private long Read(long startNs)
    {
        var now = MonotonicClock.NowNs();
        var interval = now - _lastReadingNs;
        _lastReadingNs = now;
        if (_paused)
        {
            return now;
        }

        var filter = context.Filter.Current;
        bool Wanted(int pid) => (context.IncludeAgent || pid != context.AgentPid) && filter.MayMatch(pid);
        if (_scanner is not null)
        {
            var cpu = Stopwatch.GetTimestamp();
            var thread = CurrentThreadCpuNs();
            var readings = _scanner.Scan(filter.Pids.Count > 0 ? filter.Pids : null, (pid, name) => Wanted(pid) && Matches(filter, pid, name));
            Interlocked.Add(ref _scanCpuNs, thread >= 0 ? CurrentThreadCpuNs() - thread : (long)Stopwatch.GetElapsedTime(cpu).TotalNanoseconds);
            Interlocked.Increment(ref _scans);
            var events = readings
                .SelectMany(r => r.Clients.Select(c => new Event<DrmClientUsage>(new EventHeader(DrmClientUsage.Kind, now, r.Pid, r.Pid) { DurationNs = interval }, c)))
                .ToArray();
            Interlocked.Add(ref _clientsPublished, events.Length);
            _sink.Publish(new EventBatch<DrmClientUsage>(events));
        }

        if (_nvmlSampler is not null)
        {
            var (devices, processes) = _nvmlSampler.Sample(now, interval, Wanted);
            Interlocked.Add(ref _nvmlSamples, devices.Count);
            _sink.Publish(new EventBatch<NvmlDeviceSample>([.. devices]));
            _sink.Publish(new EventBatch<NvmlProcessSample>([.. processes]));
        }

        _sink.Advance(now);
        return now;
    }

    private void PublishStatus(long now)
    {
        var events = _status.Select(s => new Event<AccelStatus>(new EventHeader(AccelStatus.Kind, now, 0, 0), s)).ToArray();
        _sink.Publish(new EventBatch<AccelStatus>(events));
    }

    private bool Matches(Core.Sessions.ProcessFilter filter, int pid, string name)
    {
        if (filter.Comm is { } prefix && !name.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        if (filter.Cgroup is { } cgroup)
        {
            var path = ProcMemory.CgroupPath(procRoot, pid);
            return path is not null && (path == cgroup || path.StartsWith(cgroup.TrimEnd('/') + "/", StringComparison.Ordinal));
        }

        return true;
    }

    private static string DrmDevicesHere()
    {
        List<string> nodes;
        try
        {
            nodes = [.. new[] { "/dev/dri", "/dev/accel" }
                .Where(Directory.Exists)
                .SelectMany(d => Directory.EnumerateFileSystemEntries(d).Where(f => !Directory.Exists(f)))];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return "device nodes could not be listed: " + ex.Message;
        }

        return nodes.Count == 0
            ? "no /dev/dri or /dev/accel device nodes on this machine: no DRM clients can appear"
            : "device nodes: " + string.Join(", ", nodes);
    }

    private static long CurrentThreadCpuNs() => ThreadClock.CurrentThreadCpuNs();
}
