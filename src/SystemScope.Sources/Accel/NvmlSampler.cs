using SystemScope.Core.Events;
using SystemScope.Core.Events.Accel;

namespace SystemScope.Sources.Accel;

/// <summary>
/// One NVML reading per GPU and per process on it. A figure a board does not support is -1 (NVML's
/// NOT_SUPPORTED is normal, not an error); other failures are counted. Per-process utilisation samples
/// are asked for since the newest one already seen, per device (NVML's own watermark, in µs).
/// </summary>
internal sealed class NvmlSampler(NvmlLibrary nvml, string procRoot)
{
    private const int ClockSm = 1;
    private const int ClockMemory = 2;
    private const int PcieTx = 0;
    private const int PcieRx = 1;

    private readonly Dictionary<uint, ulong> _lastSeenUs = [];
    private List<(uint Index, nint Handle, string Name)>? _devices;

    public long Failures { get; private set; }

    public string? LastFailure { get; private set; }

    /// <summary>The GPUs NVML enumerates (read once).</summary>
    public IReadOnlyList<(uint Index, nint Handle, string Name)> Devices()
    {
        if (_devices is not null)
        {
            return _devices;
        }

        _devices = [];
        if (Check(nvml.DeviceCount(out var count), "nvmlDeviceGetCount"))
        {
            for (uint i = 0; i < count; i++)
            {
                if (Check(nvml.DeviceHandle(i, out var handle), "nvmlDeviceGetHandleByIndex"))
                {
                    _devices.Add((i, handle, nvml.Name(handle)));
                }
            }
        }

        return _devices;
    }

    public (List<Event<NvmlDeviceSample>> Devices, List<Event<NvmlProcessSample>> Processes) Sample(long timestampNs, long intervalNs, Func<int, bool> wanted)
    {
        var devices = new List<Event<NvmlDeviceSample>>();
        var processes = new List<Event<NvmlProcessSample>>();
        foreach (var (index, handle, name) in Devices())
        {
            var header = new EventHeader(NvmlDeviceSample.Kind, timestampNs, 0, 0) { DurationNs = intervalNs };
            var utilisation = Check(nvml.Utilization(handle, out var u), "nvmlDeviceGetUtilizationRates") ? u : new NvmlUtilization { Gpu = uint.MaxValue, Memory = uint.MaxValue };
            Check(nvml.Memory(handle, out var used, out var total), "nvmlDeviceGetMemoryInfo");
            devices.Add(new Event<NvmlDeviceSample>(header, new NvmlDeviceSample(
                (int)index,
                name,
                Percent(utilisation.Gpu),
                Percent(utilisation.Memory),
                used,
                total,
                Check(nvml.PowerMilliwatts(handle, out var mw), "nvmlDeviceGetPowerUsage") ? mw / 1000.0 : -1,
                Value(nvml.Temperature(handle, out var celsius), celsius, "nvmlDeviceGetTemperature"),
                Value(nvml.Clock(handle, ClockSm, out var sm), sm, "nvmlDeviceGetClockInfo"),
                Value(nvml.Clock(handle, ClockMemory, out var mem), mem, "nvmlDeviceGetClockInfo"),
                Check(nvml.PcieThroughput(handle, PcieRx, out var rx), "nvmlDeviceGetPcieThroughput") ? rx * 1024L : -1,
                Check(nvml.PcieThroughput(handle, PcieTx, out var tx), "nvmlDeviceGetPcieThroughput") ? tx * 1024L : -1,
                Check(nvml.ClockEventReasons(handle, out var reasons), "nvmlDeviceGetCurrentClocksEventReasons") ? (long)reasons : -1)));
            processes.AddRange(SampleProcesses(index, handle, timestampNs, intervalNs, wanted));
        }

        return (devices, processes);
    }

    private IEnumerable<Event<NvmlProcessSample>> SampleProcesses(uint index, nint handle, long timestampNs, long intervalNs, Func<int, bool> wanted)
    {
        var memory = new Dictionary<int, long>();
        if (Check(nvml.ComputeProcesses(handle, out var running), "nvmlDeviceGetComputeRunningProcesses_v3"))
        {
            foreach (var p in running)
            {
                // usedGpuMemory is NVML_VALUE_NOT_AVAILABLE (ULLONG_MAX) where the driver cannot say.
                memory[(int)p.Pid] = p.UsedGpuMemory == ulong.MaxValue ? -1 : (long)p.UsedGpuMemory;
            }
        }

        var utilisation = new Dictionary<int, NvmlProcessUtilizationSample>();
        var lastSeen = _lastSeenUs.GetValueOrDefault(index);
        var result = nvml.ProcessUtilization(handle, lastSeen, out var samples);
        if (result == NvmlLibrary.Success)
        {
            foreach (var s in samples.OrderBy(s => s.TimeStamp))
            {
                utilisation[(int)s.Pid] = s; // the newest sample of each process wins
                lastSeen = Math.Max(lastSeen, s.TimeStamp);
            }

            _lastSeenUs[index] = lastSeen;
        }
        else if (result != NvmlLibrary.NotFound)
        {
            Check(result, "nvmlDeviceGetProcessUtilization");
        }

        foreach (var pid in memory.Keys.Union(utilisation.Keys).Where(wanted).Order())
        {
            var has = utilisation.TryGetValue(pid, out var s);
            var header = new EventHeader(NvmlProcessSample.Kind, timestampNs, pid, pid) { DurationNs = intervalNs };
            yield return new Event<NvmlProcessSample>(header, new NvmlProcessSample(
                (int)index,
                DrmFdScanner.ReadComm(procRoot, pid) ?? string.Empty,
                memory.GetValueOrDefault(pid, -1),
                has ? Percent(s.SmUtil) : -1,
                has ? Percent(s.MemUtil) : -1,
                has ? Percent(s.EncUtil) : -1,
                has ? Percent(s.DecUtil) : -1));
        }
    }

    private static int Percent(uint value) => value > 100 ? -1 : (int)value;

    private int Value(int result, uint value, string function) => Check(result, function) ? (int)value : -1;

    /// <summary>True on success; NOT_SUPPORTED and a missing function are quiet, anything else is counted.</summary>
    private bool Check(int result, string function)
    {
        if (result == NvmlLibrary.Success)
        {
            return true;
        }

        if (result is not (NvmlLibrary.NotSupported or NvmlLibrary.FunctionNotFound))
        {
            Failures++;
            LastFailure = $"{function}: {nvml.ErrorString(result)} ({result})";
        }

        return false;
    }
}
