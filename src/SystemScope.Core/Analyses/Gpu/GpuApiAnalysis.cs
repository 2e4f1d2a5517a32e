using System.Globalization;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Gpu;
using SystemScope.Core.Models;
using SystemScope.Core.Models.Table;
using SystemScope.Core.Sessions;

namespace SystemScope.Core.Analyses.Gpu;

/// <summary>
/// The per-API figures of the <c>gpu</c> source: a table per (process, API, function) with calls, failures,
/// total and longest time and bytes (<c>gpu.calls</c>, busiest first); kernels with their launches per
/// process (<c>gpu.kernels</c>); and what was found in each process (<c>gpu.libraries</c>: the libraries
/// traced, functions missing from them, or a note that a process maps none).
/// </summary>
public sealed class GpuApiAnalysis : IAnalysis, IEventSink<GpuApiCall>, IEventSink<GpuLibraryStatus>
{
    public const string SourceId = "gpu";
    public const string CallsId = "gpu.calls";
    public const string KernelsId = "gpu.kernels";
    public const string LibrariesId = "gpu.libraries";

    /// <summary>Rows kept per table; beyond it the smallest go (counted).</summary>
    private const int MaxRows = 20_000;

    private static readonly TableColumn[] CallColumns =
    [
        new("pid", "Process id", ColumnType.Int),
        new("comm", "Process", ColumnType.String),
        new("vendor", "API", ColumnType.String),
        new("name", "Function", ColumnType.String),
        new("class", "What it does", ColumnType.String),
        new("count", "Calls", ColumnType.Int),
        new("errors", "Failed", ColumnType.Int),
        new("total_ns", "Total time", ColumnType.Int, "ns"),
        new("max_ns", "Longest", ColumnType.Int, "ns"),
        new("bytes", "Bytes", ColumnType.Int, "B"),
    ];

    private static readonly TableColumn[] KernelColumns =
    [
        new("pid", "Process id", ColumnType.Int),
        new("comm", "Process", ColumnType.String),
        new("vendor", "API", ColumnType.String),
        new("kernel", "Kernel (name, or the host stub's address)", ColumnType.String),
        new("launches", "Launches", ColumnType.Int),
        new("total_ns", "Time in the launch calls", ColumnType.Int, "ns"),
    ];

    private static readonly TableColumn[] LibraryColumns =
    [
        new("pid", "Process id", ColumnType.Int),
        new("comm", "Process", ColumnType.String),
        new("library", "Library", ColumnType.String),
        new("vendor", "API", ColumnType.String),
        new("probes", "Functions traced", ColumnType.Int),
        new("missing", "Functions it lacks", ColumnType.String),
        new("note", "Note", ColumnType.String),
    ];

    private readonly Dictionary<(int Pid, string Vendor, string Name), CallRow> _calls = [];
    private readonly Dictionary<(int Pid, string Vendor, string Kernel), KernelRow> _kernels = [];
    private readonly Dictionary<(int Pid, string Library), object[]> _libraries = [];
    private ProcessFilter _filter;

    public GpuApiAnalysis(ProcessFilter filter)
    {
        _filter = filter;
        Calls = new TableModel(
            new ModelDescriptor(CallsId, TableModel.TypeName, "GPU API calls by total time", "ns", [SourceId])
            {
                Description = "Per process, API and function: calls, failures, total and longest time, bytes copied or allocated; busiest first.",
                Primary = true,
            },
            CallColumns,
            MaxRows);
        Kernels = new TableModel(
            new ModelDescriptor(KernelsId, TableModel.TypeName, "GPU kernels by launches", "launches", [SourceId])
            {
                Description = "Kernels launched per process: named from cuModuleGetFunction and its kind, or by the runtime API's host stub address.",
            },
            KernelColumns,
            MaxRows);
        Libraries = new TableModel(
            new ModelDescriptor(LibrariesId, TableModel.TypeName, "Accelerator libraries traced", "functions", [SourceId])
            {
                Description = "The accelerator libraries each process maps, how many functions are traced and which the library lacks; a note for a process that maps none.",
            },
            LibraryColumns,
            MaxRows);
    }

    public TableModel Calls { get; }

    public TableModel Kernels { get; }

    public TableModel Libraries { get; }

    public IReadOnlyList<IModel> Models => [Calls, Kernels, Libraries];

    public void OnEvents(ReadOnlySpan<Event<GpuApiCall>> events)
    {
        if (events.IsEmpty)
        {
            return;
        }

        var kernelsChanged = false;
        foreach (ref readonly var e in events)
        {
            if (!_filter.MayMatch(e.Header.Pid))
            {
                continue;
            }

            var call = e.Payload;
            var key = (e.Header.Pid, call.Vendor, call.Function);
            if (!_calls.TryGetValue(key, out var row))
            {
                _calls[key] = row = new CallRow(call.Class.ToString());
            }

            row.Add(call, e.Header.DurationNs);
            if (call.Class == GpuCallClass.Launch)
            {
                var kernel = call.KernelName.Length > 0 ? call.KernelName
                    : call.KernelAddress != 0 ? string.Create(CultureInfo.InvariantCulture, $"0x{call.KernelAddress:x}")
                    : "(unnamed)";
                var kernelKey = (e.Header.Pid, call.Vendor, kernel);
                if (!_kernels.TryGetValue(kernelKey, out var kernelRow))
                {
                    _kernels[kernelKey] = kernelRow = new KernelRow();
                }

                kernelRow.Add(call.ProcessName, e.Header.DurationNs);
                kernelsChanged = true;
            }
        }

        Calls.Set(_calls
            .OrderByDescending(r => r.Value.TotalNs)
            .Select(r => new object[]
            {
                (long)r.Key.Pid, r.Value.ProcessName, r.Key.Vendor, r.Key.Name, r.Value.Class, r.Value.Count, r.Value.Errors, r.Value.TotalNs, r.Value.MaxNs, r.Value.Bytes,
            }));
        if (kernelsChanged)
        {
            Kernels.Set(_kernels
                .OrderByDescending(r => r.Value.Launches)
                .Select(r => new object[] { (long)r.Key.Pid, r.Value.ProcessName, r.Key.Vendor, r.Key.Kernel, r.Value.Launches, r.Value.TotalNs }));
        }
    }

    public void OnEvents(ReadOnlySpan<Event<GpuLibraryStatus>> events)
    {
        foreach (ref readonly var e in events)
        {
            if (!_filter.MayMatch(e.Header.Pid))
            {
                continue;
            }

            var s = e.Payload;
            _libraries[(e.Header.Pid, s.Library)] =
            [
                (long)e.Header.Pid, s.ProcessName, s.Library, s.Vendor, (long)s.Probes, string.Join(", ", s.Missing), s.Note,
            ];

            // A library found later replaces the process's "none mapped" note.
            if (s.Library.Length > 0)
            {
                _libraries.Remove((e.Header.Pid, string.Empty));
            }
        }

        Libraries.Set(_libraries.OrderBy(r => r.Key.Pid).ThenBy(r => r.Key.Library, StringComparer.Ordinal).Select(r => r.Value));
    }

    public void Reset()
    {
        _calls.Clear();
        _kernels.Clear();
        Calls.Reset();
        Kernels.Reset();
    }

    public void OnFilterChanged(ProcessFilter filter)
    {
        _filter = filter;
        Reset();
    }

    /// <summary>One (process, API, function) summed over the session.</summary>
    private sealed class CallRow(string callClass)
    {
        public string Class { get; } = callClass;

        public string ProcessName { get; private set; } = string.Empty;

        public long Count { get; private set; }

        public long Errors { get; private set; }

        public long TotalNs { get; private set; }

        public long MaxNs { get; private set; }

        public long Bytes { get; private set; }

        public void Add(in GpuApiCall call, long durationNs)
        {
            if (call.ProcessName.Length > 0)
            {
                ProcessName = call.ProcessName;
            }

            Count++;
            Errors += call.Result != 0 ? 1 : 0;
            TotalNs += durationNs;
            MaxNs = Math.Max(MaxNs, durationNs);
            Bytes += call.Bytes;
        }
    }

    private sealed class KernelRow
    {
        public string ProcessName { get; private set; } = string.Empty;

        public long Launches { get; private set; }

        public long TotalNs { get; private set; }

        public void Add(string processName, long durationNs)
        {
            if (processName.Length > 0)
            {
                ProcessName = processName;
            }

            Launches++;
            TotalNs += durationNs;
        }
    }
}

/// <summary>Adds the GPU API tables to every session with the <c>gpu</c> source.</summary>
public sealed class GpuApiAnalysisProvider : IAnalysisProvider
{
    public bool AppliesTo(IReadOnlySet<string> sources) => sources.Contains(GpuApiAnalysis.SourceId);

    public IAnalysis Create(AnalysisContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var analysis = new GpuApiAnalysis(context.Filter.Current);
        context.Bus.Subscribe<GpuApiCall>(analysis);
        context.Bus.Subscribe<GpuLibraryStatus>(analysis);
        return analysis;
    }
}
