using SystemScope.Core.Analyses;
using SystemScope.Core.Analyses.Accel;
using SystemScope.Core.Analyses.BlockIo;
using SystemScope.Core.Analyses.Cpu;
using SystemScope.Core.Analyses.Gpu;
using SystemScope.Core.Analyses.Memory;
using SystemScope.Core.Analyses.Network;
using SystemScope.Core.Analyses.Runtime;
using SystemScope.Core.Analyses.Scheduler;
using SystemScope.Core.Analyses.Syscalls;
using SystemScope.Core.Capabilities;
using SystemScope.Core.Export;
using SystemScope.Core.Models.Histogram;
using SystemScope.Core.Models.Table;
using SystemScope.Core.Models.Timeline;
using SystemScope.Core.Models.TimeSeries;
using SystemScope.Core.Sessions;
using SystemScope.Core.Tuning;
using SystemScope.Core.Sources;
using SystemScope.Server.Hosting;
using SystemScope.Sources.Accel;
using SystemScope.Sources.BlockIo;
using SystemScope.Sources.Cpu;
using SystemScope.Sources.Gpu;
using SystemScope.Sources.Dotnet;
using SystemScope.Sources.Memory;
using SystemScope.Sources.OffCpu;
using SystemScope.Sources.Process;
using SystemScope.Sources.Processes;
using SystemScope.Sources.Sched;
using SystemScope.Sources.Syscalls;
using SystemScope.Sources.Tcp;
using SystemScope.Sources.Tuning;
using SystemScope.Sources.Tuning.Advisors;
using SystemScope.Symbols;

namespace SystemScope.Composition;

/// <summary>
/// The composition root: every source, analysis, exporter and preset is registered here, once, by
/// hand — one line each (no reflection-based discovery: it would break NativeAOT).
/// </summary>
internal sealed class Agent : IDisposable
{
    private Agent(Symbolizer symbolizer, ProcessTable processes, SessionManager sessions, IKernelProbe kernel)
    {
        Symbolizer = symbolizer;
        Processes = processes;
        Sessions = sessions;
        Kernel = kernel;
    }

    public Symbolizer Symbolizer { get; }

    public ProcessTable Processes { get; }

    public SessionManager Sessions { get; }

    public IKernelProbe Kernel { get; }

    public AgentServices ServerServices => new(Sessions, Processes, Kernel);

    /// <summary>Every source. Providers are inert: listing them attaches nothing.</summary>
    public static IReadOnlyList<ISourceProvider> SourceProviders() =>
    [
        new ProcessSourceProvider(),
        new CpuSourceProvider(),
        new OffCpuSourceProvider(),
        new SchedSourceProvider(),
        new SyscallsSourceProvider(),
        new BlockIoSourceProvider(),
        new MemorySourceProvider(),
        new TcpSourceProvider(),
        new GpuSourceProvider(),
        new AccelSourceProvider(),
        new DotnetSourceProvider(),
    ];

    public static IReadOnlyList<IAnalysisProvider> AnalysisProviders(Symbolizer symbolizer) =>
    [
        new CpuProfileAnalysisProvider(symbolizer),
        new OffCpuAnalysisProvider(symbolizer),
        new WallClockAnalysisProvider(symbolizer),
        new SchedAnalysisProvider(),
        new TimelineAnalysisProvider(symbolizer, SourceProviders().Where(p => p.Descriptor.FeedsTimeline).Select(p => p.Descriptor.Id)),
        new SyscallAnalysisProvider(),
        new BlockIoAnalysisProvider(),
        new PageFaultAnalysisProvider(symbolizer),
        new MemoryAnalysisProvider(),
        new TcpAnalysisProvider(),
        new GpuApiAnalysisProvider(),
        new AccelAnalysisProvider(),
        new GpuFlameGraphAnalysisProvider(symbolizer),
        new GpuIdleAnalysisProvider(symbolizer),
        new GpuMemoryAnalysisProvider(),
        new DotnetGcAnalysisProvider(),
        new DotnetAllocationAnalysisProvider(symbolizer),
        new DotnetJitAnalysisProvider(),
        new DotnetContentionAnalysisProvider(symbolizer),
        new DotnetRuntimeAnalysisProvider(),
        new DotnetExceptionAnalysisProvider(symbolizer),
    ];

    /// <summary>Every advisor: each reads live models and emits findings with proposed actions.</summary>
    public static IReadOnlyList<IAdvisor> Advisors(TuningRoots roots) =>
    [
        new ListenOverflowAdvisor(roots),
        new CpuContentionAdvisor(roots),
        new CpuFrequencyAdvisor(roots),
        new TcpRetransmitAdvisor(roots),
    ];

    /// <summary>Findings, and — with <paramref name="mode"/> Apply — actions over the journal; restores what a crashed run left applied first.</summary>
    public TuningService CreateTuning(TuningMode mode, string who, Action<string>? report = null)
    {
        var roots = TuningRoots.Live();
        var engine = new TuningEngine(new TunableRegistry(LinuxTunables.All(roots)), TuningJournal.FromEnvironment(), new ProcessOwner());
        if (File.Exists(engine.Journal.Path))
        {
            foreach (var restored in engine.Recover(who))
            {
                report?.Invoke($"restored action {restored.Id} ({restored.Title}) that process {restored.Owner.Pid} left applied: {string.Join("; ", restored.Changes.Select(c => $"{c.Tunable} {c.Target} = {c.Restored ?? "?"}"))}");
            }
        }

        return new TuningService(Sessions, Advisors(roots), engine, mode, Environment.ProcessId);
    }

    /// <summary>Export formats per model type; the first one registered for a type is its default on the command line.</summary>
    public static ExporterRegistry Exporters { get; } = new(
    [
        new FoldedExporter(),
        new FlameGraphJsonExporter(),
        new HistogramTextExporter(),
        new ModelJsonExporter(HistogramModel.TypeName),
        new TableTextExporter(),
        new TableJsonExporter(),
        new TimeSeriesTextExporter(),
        new ModelJsonExporter(TimeSeriesModel.TypeName),
        new ModelJsonExporter(HeatmapModel.TypeName),
        new BreakdownTextExporter(),
        new ModelJsonExporter(BreakdownModel.TypeName),
    ]);

    /// <summary>Names for common combinations of sources, with the model <c>record</c> prints.</summary>
    public static IReadOnlyList<RecordPreset> Presets { get; } =
    [
        new("wallclock", "on-CPU and off-CPU time of the same stacks in one graph, in µs", ["cpu", "offcpu", "sched"], WallClockAnalysis.ModelId),
    ];

    /// <param name="inlineFrames">Name inlined functions from debug info (<c>--inline</c>).</param>
    public static Agent Create(bool inlineFrames = false)
    {
        var symbolizer = new Symbolizer(new SymbolizerOptions { InlineFrames = inlineFrames });
        var processes = new ProcessTable();
        var sessions = new SessionManager(
            sources: SourceProviders(),
            analyses: AnalysisProviders(symbolizer),
            participants: [symbolizer],
            processes: processes,
            agentPid: Environment.ProcessId);
        return new Agent(symbolizer, processes, sessions, new KernelProbe());
    }

    /// <summary>Stops every session (detaching all sources) and releases what symbolisation holds.</summary>
    public void Dispose()
    {
        Sessions.Dispose();
        (Symbolizer as IDisposable)?.Dispose();
    }
}

/// <summary>A name for sources recorded together (<c>wallclock</c> = cpu, offcpu and sched) and the model <c>record</c> prints.</summary>
internal sealed record RecordPreset(string Id, string Description, IReadOnlyList<string> Sources, string Model);
