using System.Globalization;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Accel;
using SystemScope.Core.Models;
using SystemScope.Core.Models.Table;
using SystemScope.Core.Models.TimeSeries;

namespace SystemScope.Core.Analyses.Accel;

/// <summary>
/// NVML's readings as models: per GPU over time (utilisation, memory, power, temperature, clocks,
/// PCIe), the latest reading per GPU with its clock event reasons by name (<c>accel.nvml.gpus</c>),
/// and per process (device memory, SM share) over time and as a table.
/// </summary>
internal sealed class NvmlModels
{
    private const double Mib = 1024 * 1024;

    private static readonly TableColumn[] GpuColumns =
    [
        new("gpu", "GPU", ColumnType.Int),
        new("name", "Name", ColumnType.String),
        new("util", "Utilisation", ColumnType.Int, "%"),
        new("memUtil", "Memory utilisation", ColumnType.Int, "%"),
        new("memUsed", "Memory used", ColumnType.Int, "bytes"),
        new("memTotal", "Memory total", ColumnType.Int, "bytes"),
        new("power", "Power", ColumnType.Float, "W"),
        new("temperature", "Temperature", ColumnType.Int, "°C"),
        new("smClock", "SM clock", ColumnType.Int, "MHz"),
        new("memClock", "Memory clock", ColumnType.Int, "MHz"),
        new("pcieRx", "PCIe receive", ColumnType.Int, "bytes/s"),
        new("pcieTx", "PCIe transmit", ColumnType.Int, "bytes/s"),
        new("reasons", "Clock event (throttle) reasons", ColumnType.String),
    ];

    private static readonly TableColumn[] ProcessColumns =
    [
        new("pid", "Process id", ColumnType.Int),
        new("process", "Process", ColumnType.String),
        new("gpu", "GPU", ColumnType.Int),
        new("memory", "Device memory", ColumnType.Int, "bytes"),
        new("sm", "SM", ColumnType.Int, "%"),
        new("mem", "Memory", ColumnType.Int, "%"),
        new("enc", "Encoder", ColumnType.Int, "%"),
        new("dec", "Decoder", ColumnType.Int, "%"),
    ];

    private readonly SortedDictionary<int, object[]> _gpus = [];
    private readonly Dictionary<(int Pid, int Gpu), object[]> _processes = [];

    public NvmlModels(string sourceId)
    {
        TimeSeriesModel Series(string id, string title, string unit, string description) =>
            new(new ModelDescriptor(id, TimeSeriesModel.TypeName, title, unit, [sourceId]) { Description = description });

        Utilisation = Series("accel.nvml.utilisation", "GPU utilisation", "%", "Share of NVML's sample period a kernel ran (gpu) and device memory was accessed (memory), per GPU.");
        Memory = Series("accel.nvml.memory", "GPU memory used", "MiB", "Device memory in use per GPU.");
        Power = Series("accel.nvml.power", "GPU power", "W", "Power draw per GPU.");
        Temperature = Series("accel.nvml.temperature", "GPU temperature", "°C", "GPU die temperature.");
        Clocks = Series("accel.nvml.clocks", "GPU clocks", "MHz", "Current SM and memory clocks per GPU.");
        Pcie = Series("accel.nvml.pcie", "PCIe throughput", "MB/s", "PCIe receive and transmit throughput per GPU.");
        ProcessMemory = Series("accel.nvml.process.memory", "GPU memory per process", "MiB", "Device memory each process holds (compute processes).");
        ProcessSm = Series("accel.nvml.process.sm", "GPU SM share per process", "%", "NVML's per-process SM utilisation samples.");
        Gpus = new TableModel(new ModelDescriptor("accel.nvml.gpus", TableModel.TypeName, "NVIDIA GPUs", "%", [sourceId])
        {
            Description = "The latest NVML reading of each GPU, with the reasons its clocks are held down by name.",
        }, GpuColumns);
        Processes = new TableModel(new ModelDescriptor("accel.nvml.processes", TableModel.TypeName, "Processes on NVIDIA GPUs", "bytes", [sourceId])
        {
            Description = "Each process's device memory and latest utilisation sample per GPU.",
        }, ProcessColumns);
    }

    public TimeSeriesModel Utilisation { get; }

    public TimeSeriesModel Memory { get; }

    public TimeSeriesModel Power { get; }

    public TimeSeriesModel Temperature { get; }

    public TimeSeriesModel Clocks { get; }

    public TimeSeriesModel Pcie { get; }

    public TimeSeriesModel ProcessMemory { get; }

    public TimeSeriesModel ProcessSm { get; }

    public TableModel Gpus { get; }

    public TableModel Processes { get; }

    public IEnumerable<IModel> All => [Gpus, Processes, Utilisation, Memory, Power, Temperature, Clocks, Pcie, ProcessMemory, ProcessSm];

    public void OnEvents(ReadOnlySpan<Event<NvmlDeviceSample>> events)
    {
        if (events.IsEmpty)
        {
            return;
        }

        var (start, end) = Window(events);
        List<(string, string, double)> util = [], memory = [], power = [], temperature = [], clocks = [], pcie = [];
        foreach (ref readonly var e in events)
        {
            var d = e.Payload;
            var gpu = "gpu" + d.Index.ToString(CultureInfo.InvariantCulture);
            Known(util, gpu + ":gpu", $"GPU {d.Index} kernels", d.GpuUtilisationPercent);
            Known(util, gpu + ":memory", $"GPU {d.Index} memory", d.MemoryUtilisationPercent);
            Known(memory, gpu, $"GPU {d.Index} used", d.MemoryUsedBytes < 0 ? -1 : Math.Round(d.MemoryUsedBytes / Mib, 3));
            Known(power, gpu, $"GPU {d.Index}", d.PowerWatts);
            Known(temperature, gpu, $"GPU {d.Index}", d.TemperatureC);
            Known(clocks, gpu + ":sm", $"GPU {d.Index} SM", d.SmClockMhz);
            Known(clocks, gpu + ":mem", $"GPU {d.Index} memory", d.MemoryClockMhz);
            Known(pcie, gpu + ":rx", $"GPU {d.Index} receive", d.PcieRxBytesPerSecond < 0 ? -1 : d.PcieRxBytesPerSecond / 1e6);
            Known(pcie, gpu + ":tx", $"GPU {d.Index} transmit", d.PcieTxBytesPerSecond < 0 ? -1 : d.PcieTxBytesPerSecond / 1e6);
            _gpus[d.Index] =
            [
                (long)d.Index, d.Name, (long)d.GpuUtilisationPercent, (long)d.MemoryUtilisationPercent, d.MemoryUsedBytes, d.MemoryTotalBytes,
                d.PowerWatts, (long)d.TemperatureC, (long)d.SmClockMhz, (long)d.MemoryClockMhz, d.PcieRxBytesPerSecond, d.PcieTxBytesPerSecond,
                NvmlClockEventReasons.Describe(d.ClockEventReasons),
            ];
        }

        Utilisation.Add(start, end, util);
        Memory.Add(start, end, memory);
        Power.Add(start, end, power);
        Temperature.Add(start, end, temperature);
        Clocks.Add(start, end, clocks);
        Pcie.Add(start, end, pcie);
        Gpus.Set(_gpus.Values);
    }

    public void OnEvents(ReadOnlySpan<Event<NvmlProcessSample>> events, Func<int, bool> wanted)
    {
        if (events.IsEmpty)
        {
            return;
        }

        var (start, end) = Window(events);
        List<(string, string, double)> memory = [], sm = [];
        foreach (ref readonly var e in events)
        {
            var pid = e.Header.Pid;
            if (!wanted(pid))
            {
                continue;
            }

            var p = e.Payload;
            var name = $"{pid}:gpu{p.GpuIndex}";
            var label = $"{p.ProcessName} ({pid.ToString(CultureInfo.InvariantCulture)}) GPU {p.GpuIndex}";
            Known(memory, name, label, p.UsedMemoryBytes < 0 ? -1 : Math.Round(p.UsedMemoryBytes / Mib, 3));
            Known(sm, name, label, p.SmUtilisationPercent);
            _processes[(pid, p.GpuIndex)] =
            [
                (long)pid, p.ProcessName, (long)p.GpuIndex, p.UsedMemoryBytes, (long)p.SmUtilisationPercent,
                (long)p.MemoryUtilisationPercent, (long)p.EncoderUtilisationPercent, (long)p.DecoderUtilisationPercent,
            ];
        }

        ProcessMemory.Add(start, end, memory);
        ProcessSm.Add(start, end, sm);
        Processes.Set(_processes.OrderBy(p => p.Key.Pid).ThenBy(p => p.Key.Gpu).Select(p => p.Value));
    }

    public void Reset()
    {
        _gpus.Clear();
        _processes.Clear();
        foreach (var model in new[] { Utilisation, Memory, Power, Temperature, Clocks, Pcie, ProcessMemory, ProcessSm })
        {
            model.Reset();
        }

        Gpus.Reset();
        Processes.Reset();
    }

    /// <summary>Leaves out what NVML did not give (-1), so a chart shows a gap, not a zero.</summary>
    private static void Known(List<(string, string, double)> values, string name, string label, double value)
    {
        if (value >= 0)
        {
            values.Add((name, label, value));
        }
    }

    private static (long Start, long End) Window<T>(ReadOnlySpan<Event<T>> events)
        where T : struct
    {
        long start = long.MaxValue, end = long.MinValue;
        foreach (ref readonly var e in events)
        {
            start = Math.Min(start, e.Header.TimestampNs - e.Header.DurationNs);
            end = Math.Max(end, e.Header.TimestampNs);
        }

        return (start, end);
    }
}
