namespace SystemScope.Core.Analyses.Gpu;

/// <summary>A period in which a process's device work was in progress, and the thread that started it.</summary>
public readonly record struct BusyPeriod(int Pid, long StartNs, long EndNs, int Tid);

/// <summary>
/// Per process, when its device was busy and when idle, from whatever says so. Today that is
/// <see cref="ApiBusyInference"/> (the API calls: from a submission to the wait that saw it done).
/// Extension point: a device-activity source (DRM engine busy time from fdinfo, the DRM scheduler's
/// job spans, NVML per-process utilisation) measures busy periods instead of inferring them; its
/// analysis feeds them here through <see cref="Started"/> and <see cref="Ended"/> (or a whole
/// <see cref="BusyPeriod"/> at once) for the processes it covers, in place of the inference, and the
/// gaps, the busy share and the idle table follow without change.
/// </summary>
public sealed class DeviceBusy
{
    private readonly Dictionary<int, ProcessBusy> _processes = [];
    private readonly List<BusyPeriod> _closed = [];

    /// <summary>A gap closed: the device of <c>Pid</c> was idle from <c>StartNs</c> to <c>EndNs</c>; <c>Tid</c> submitted the work that ended it.</summary>
    public event Action<BusyPeriod>? GapClosed;

    /// <summary>Busy periods ended and not yet forgotten (<see cref="Forget"/>), oldest first.</summary>
    public IReadOnlyList<BusyPeriod> Closed => _closed;

    /// <summary>Processes with device work in progress now: since when, and which thread started it.</summary>
    public IEnumerable<(int Pid, long SinceNs)> Open => _processes.Where(p => p.Value.OpenSince is not null).Select(p => (p.Key, p.Value.OpenSince!.Value));

    /// <summary>The idle gap each process is in now (from the end of its last busy period), for the live view.</summary>
    public IEnumerable<(int Pid, long SinceNs, int Tid)> Idle =>
        _processes.Where(p => p.Value.OpenSince is null && p.Value.LastEnd is not null).Select(p => (p.Key, p.Value.LastEnd!.Value, p.Value.LastTid));

    /// <summary>The device of <paramref name="pid"/> got work at <paramref name="timeNs"/> from thread <paramref name="tid"/> (no-op when already busy).</summary>
    public void Started(int pid, int tid, long timeNs)
    {
        var process = Process(pid);
        if (process.OpenSince is not null)
        {
            return;
        }

        // Busy periods of one process do not overlap: a start inside the last one continues it.
        var start = process.LastEnd is { } last ? Math.Max(last, timeNs) : timeNs;
        if (process.LastEnd is { } end && start > end)
        {
            GapClosed?.Invoke(new BusyPeriod(pid, end, start, tid));
        }

        process.OpenSince = start;
        process.OpenTid = tid;
    }

    /// <summary>The device of <paramref name="pid"/> finished its work at <paramref name="timeNs"/>.</summary>
    public void Ended(int pid, long timeNs)
    {
        if (!_processes.TryGetValue(pid, out var process) || process.OpenSince is not { } since)
        {
            return;
        }

        var end = Math.Max(since, timeNs);
        _closed.Add(new BusyPeriod(pid, since, end, process.OpenTid));
        process.OpenSince = null;
        process.LastEnd = end;
        process.LastTid = process.OpenTid;
    }

    /// <summary>A measured or inferred period at once.</summary>
    public void Add(BusyPeriod period)
    {
        Started(period.Pid, period.Tid, period.StartNs);
        Ended(period.Pid, period.EndNs);
    }

    /// <summary>The process is gone: its open period ends and no gap follows.</summary>
    public void Exited(int pid, long timeNs)
    {
        Ended(pid, timeNs);
        _processes.Remove(pid);
    }

    /// <summary>Forgets closed periods that ended before <paramref name="beforeNs"/> (they were counted).</summary>
    public void Forget(long beforeNs) => _closed.RemoveAll(p => p.EndNs < beforeNs);

    public void Reset()
    {
        _processes.Clear();
        _closed.Clear();
    }

    /// <summary>Busy time of <paramref name="pid"/> within [<paramref name="startNs"/>, <paramref name="endNs"/>).</summary>
    public long BusyNs(int pid, long startNs, long endNs)
    {
        long busy = 0;
        foreach (var period in _closed)
        {
            if (period.Pid == pid)
            {
                busy += Overlap(period.StartNs, period.EndNs, startNs, endNs);
            }
        }

        if (_processes.TryGetValue(pid, out var process) && process.OpenSince is { } since)
        {
            busy += Overlap(since, endNs, startNs, endNs);
        }

        return busy;
    }

    /// <summary>The processes that had device work at some time in [<paramref name="startNs"/>, <paramref name="endNs"/>) or are known now.</summary>
    public IEnumerable<int> Processes => _processes.Keys.Union(_closed.Select(p => p.Pid));

    public static long Overlap(long aStart, long aEnd, long bStart, long bEnd) => Math.Max(0, Math.Min(aEnd, bEnd) - Math.Max(aStart, bStart));

    private ProcessBusy Process(int pid)
    {
        if (!_processes.TryGetValue(pid, out var process))
        {
            _processes[pid] = process = new ProcessBusy();
        }

        return process;
    }

    private sealed class ProcessBusy
    {
        public long? OpenSince { get; set; }

        public int OpenTid { get; set; }

        public long? LastEnd { get; set; }

        public int LastTid { get; set; }
    }
}
