using System.Runtime.InteropServices;

namespace SystemScope.Sources.Accel;

/// <summary>
/// NVIDIA's management library, loaded at run time (no link-time dependency): <c>libnvidia-ml.so.1</c>
/// by <see cref="NativeLibrary.TryLoad(string, out nint)"/> and its functions as unmanaged function
/// pointers with nvml.h's prototypes. Versioned exports first (<c>nvmlInit_v2</c>, <c>…_v2</c>,
/// <c>…_v3</c>), older ones as fallback; a function the library lacks reads as NOT_SUPPORTED.
/// </summary>
internal sealed unsafe class NvmlLibrary : IDisposable
{
    public const string FileName = "libnvidia-ml.so.1";

    public const int Success = 0;
    public const int NotSupported = 3;
    public const int NotFound = 6;
    public const int InsufficientSize = 7;
    public const int FunctionNotFound = 13;

    private readonly nint _handle;
    private readonly delegate* unmanaged<int> _init;
    private readonly delegate* unmanaged<int> _shutdown;
    private readonly delegate* unmanaged<int, byte*> _errorString;
    private readonly delegate* unmanaged<uint*, int> _getCount;
    private readonly delegate* unmanaged<uint, nint*, int> _getHandle;
    private readonly delegate* unmanaged<nint, byte*, uint, int> _getName;
    private readonly delegate* unmanaged<nint, NvmlUtilization*, int> _getUtilization;
    private readonly delegate* unmanaged<nint, NvmlMemoryV2*, int> _getMemoryV2;
    private readonly delegate* unmanaged<nint, NvmlMemory*, int> _getMemory;
    private readonly delegate* unmanaged<nint, uint*, int> _getPower;
    private readonly delegate* unmanaged<nint, int, uint*, int> _getTemperature;
    private readonly delegate* unmanaged<nint, int, uint*, int> _getClock;
    private readonly delegate* unmanaged<nint, int, uint*, int> _getPcie;
    private readonly delegate* unmanaged<nint, ulong*, int> _getClockReasons;
    private readonly delegate* unmanaged<nint, uint*, NvmlProcessInfo*, int> _getProcesses;
    private readonly delegate* unmanaged<nint, NvmlProcessUtilizationSample*, uint*, ulong, int> _getProcessUtilization;
    private bool _initialised;

    private NvmlLibrary(nint handle)
    {
        _handle = handle;
        _init = (delegate* unmanaged<int>)Either("nvmlInit_v2", "nvmlInit");
        _shutdown = (delegate* unmanaged<int>)Export("nvmlShutdown");
        _errorString = (delegate* unmanaged<int, byte*>)Export("nvmlErrorString");
        _getCount = (delegate* unmanaged<uint*, int>)Either("nvmlDeviceGetCount_v2", "nvmlDeviceGetCount");
        _getHandle = (delegate* unmanaged<uint, nint*, int>)Either("nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetHandleByIndex");
        _getName = (delegate* unmanaged<nint, byte*, uint, int>)Export("nvmlDeviceGetName");
        _getUtilization = (delegate* unmanaged<nint, NvmlUtilization*, int>)Export("nvmlDeviceGetUtilizationRates");
        _getMemoryV2 = (delegate* unmanaged<nint, NvmlMemoryV2*, int>)Export("nvmlDeviceGetMemoryInfo_v2");
        _getMemory = (delegate* unmanaged<nint, NvmlMemory*, int>)Export("nvmlDeviceGetMemoryInfo");
        _getPower = (delegate* unmanaged<nint, uint*, int>)Export("nvmlDeviceGetPowerUsage");
        _getTemperature = (delegate* unmanaged<nint, int, uint*, int>)Export("nvmlDeviceGetTemperature");
        _getClock = (delegate* unmanaged<nint, int, uint*, int>)Export("nvmlDeviceGetClockInfo");
        _getPcie = (delegate* unmanaged<nint, int, uint*, int>)Export("nvmlDeviceGetPcieThroughput");
        _getClockReasons = (delegate* unmanaged<nint, ulong*, int>)Either("nvmlDeviceGetCurrentClocksEventReasons", "nvmlDeviceGetCurrentClocksThrottleReasons");
        _getProcesses = (delegate* unmanaged<nint, uint*, NvmlProcessInfo*, int>)Export("nvmlDeviceGetComputeRunningProcesses_v3");
        _getProcessUtilization = (delegate* unmanaged<nint, NvmlProcessUtilizationSample*, uint*, ulong, int>)Export("nvmlDeviceGetProcessUtilization");
    }

    /// <summary>Loads and initialises NVML; null with <paramref name="why"/> ("not available: …") when it cannot.</summary>
    public static NvmlLibrary? TryOpen(out string why)
    {
        if (!NativeLibrary.TryLoad(FileName, out var handle))
        {
            why = $"not available: {FileName} not found";
            return null;
        }

        var library = new NvmlLibrary(handle);
        if (library._init == null || library._getCount == null || library._getHandle == null)
        {
            library.Dispose();
            why = $"not available: {FileName} lacks nvmlInit_v2, nvmlDeviceGetCount_v2 or nvmlDeviceGetHandleByIndex_v2";
            return null;
        }

        var result = library._init();
        if (result != Success)
        {
            why = $"not available: nvmlInit failed: {library.ErrorString(result)} ({result})";
            library.Dispose();
            return null;
        }

        library._initialised = true;
        why = string.Empty;
        return library;
    }

    public string ErrorString(int result)
    {
        if (_errorString != null && _errorString(result) is var text && text != null)
        {
            return Marshal.PtrToStringUTF8((nint)text) ?? $"error {result}";
        }

        return $"error {result}";
    }

    public int DeviceCount(out uint count)
    {
        uint n = 0;
        var result = _getCount(&n);
        count = n;
        return result;
    }

    public int DeviceHandle(uint index, out nint device)
    {
        nint handle = 0;
        var result = _getHandle(index, &handle);
        device = handle;
        return result;
    }

    public string Name(nint device)
    {
        if (_getName == null)
        {
            return string.Empty;
        }

        var buffer = stackalloc byte[96];
        return _getName(device, buffer, 96) == Success ? Marshal.PtrToStringUTF8((nint)buffer) ?? string.Empty : string.Empty;
    }

    public int Utilization(nint device, out NvmlUtilization value)
    {
        NvmlUtilization u = default;
        var result = _getUtilization == null ? FunctionNotFound : _getUtilization(device, &u);
        value = u;
        return result;
    }

    /// <summary>(used, total) bytes: the versioned call first (it leaves out reserved memory), else the original.</summary>
    public int Memory(nint device, out long used, out long total)
    {
        if (_getMemoryV2 != null)
        {
            var v2 = new NvmlMemoryV2 { Version = NvmlMemoryV2.StructVersion };
            if (_getMemoryV2(device, &v2) == Success)
            {
                (used, total) = ((long)v2.Used, (long)v2.Total);
                return Success;
            }
        }

        NvmlMemory v1 = default;
        var result = _getMemory == null ? FunctionNotFound : _getMemory(device, &v1);
        (used, total) = result == Success ? ((long)v1.Used, (long)v1.Total) : (-1, -1);
        return result;
    }

    public int PowerMilliwatts(nint device, out uint value) => Read(_getPower, device, out value);

    /// <summary>NVML_TEMPERATURE_GPU = 0.</summary>
    public int Temperature(nint device, out uint value) => Read(_getTemperature, device, 0, out value);

    /// <summary>NVML_CLOCK_SM = 1, NVML_CLOCK_MEM = 2.</summary>
    public int Clock(nint device, int clockType, out uint value) => Read(_getClock, device, clockType, out value);

    /// <summary>NVML_PCIE_UTIL_TX_BYTES = 0, NVML_PCIE_UTIL_RX_BYTES = 1; KB/s.</summary>
    public int PcieThroughput(nint device, int counter, out uint value) => Read(_getPcie, device, counter, out value);

    public int ClockEventReasons(nint device, out ulong value)
    {
        ulong v = 0;
        var result = _getClockReasons == null ? FunctionNotFound : _getClockReasons(device, &v);
        value = v;
        return result;
    }

    /// <summary>Compute processes and their device memory (usedGpuMemory is ULLONG_MAX when not available).</summary>
    public int ComputeProcesses(nint device, out NvmlProcessInfo[] processes)
    {
        processes = [];
        if (_getProcesses == null)
        {
            return FunctionNotFound;
        }

        uint count = 64;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var buffer = new NvmlProcessInfo[count];
            var n = count;
            int result;
            fixed (NvmlProcessInfo* p = buffer)
            {
                result = _getProcesses(device, &n, p);
            }

            if (result == InsufficientSize)
            {
                count = Math.Max(n, count * 2);
                continue;
            }

            processes = result == Success ? buffer[..(int)Math.Min(n, count)] : [];
            return result;
        }

        return InsufficientSize;
    }

    /// <summary>Per-process utilisation samples newer than <paramref name="lastSeenUs"/> (µs, CLOCK_REALTIME).</summary>
    public int ProcessUtilization(nint device, ulong lastSeenUs, out NvmlProcessUtilizationSample[] samples)
    {
        samples = [];
        if (_getProcessUtilization == null)
        {
            return FunctionNotFound;
        }

        uint count = 256;
        var buffer = new NvmlProcessUtilizationSample[count];
        int result;
        fixed (NvmlProcessUtilizationSample* p = buffer)
        {
            result = _getProcessUtilization(device, p, &count, lastSeenUs);
        }

        if (result == Success)
        {
            samples = buffer[..(int)Math.Min(count, (uint)buffer.Length)];
        }

        return result;
    }

    public void Dispose()
    {
        if (_initialised && _shutdown != null)
        {
            _shutdown();
            _initialised = false;
        }

        // The library stays loaded: NVML keeps threads of its own that must not lose their code.
    }

    private static int Read(delegate* unmanaged<nint, uint*, int> function, nint device, out uint value)
    {
        uint v = 0;
        var result = function == null ? FunctionNotFound : function(device, &v);
        value = v;
        return result;
    }

    private static int Read(delegate* unmanaged<nint, int, uint*, int> function, nint device, int argument, out uint value)
    {
        uint v = 0;
        var result = function == null ? FunctionNotFound : function(device, argument, &v);
        value = v;
        return result;
    }

    private nint Export(string name) => NativeLibrary.TryGetExport(_handle, name, out var address) ? address : 0;

    private nint Either(string versioned, string original)
    {
        var address = Export(versioned);
        return address != 0 ? address : Export(original);
    }
}

/// <summary>nvmlUtilization_t.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NvmlUtilization
{
    public uint Gpu;
    public uint Memory;
}

/// <summary>nvmlMemory_t.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NvmlMemory
{
    public ulong Total;
    public ulong Free;
    public ulong Used;
}

/// <summary>nvmlMemory_v2_t; its version is NVML_STRUCT_VERSION(Memory, 2) = sizeof | 2 &lt;&lt; 24.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NvmlMemoryV2
{
    public const uint StructVersion = 40 | (2u << 24);

    public uint Version;
    public ulong Total;
    public ulong Reserved;
    public ulong Free;
    public ulong Used;
}

/// <summary>nvmlProcessInfo_t as _v3 fills it (24 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NvmlProcessInfo
{
    public uint Pid;
    public ulong UsedGpuMemory;
    public uint GpuInstanceId;
    public uint ComputeInstanceId;
}

/// <summary>nvmlProcessUtilizationSample_t (32 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NvmlProcessUtilizationSample
{
    public uint Pid;
    public ulong TimeStamp;
    public uint SmUtil;
    public uint MemUtil;
    public uint EncUtil;
    public uint DecUtil;
}
