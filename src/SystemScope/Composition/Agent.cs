using SystemScope.Bpf;
using SystemScope.Core.Analyses;
using SystemScope.Core.Capabilities;
using SystemScope.Core.Sessions;
using SystemScope.Server.Hosting;
using SystemScope.Sources.Cpu;
using SystemScope.Sources.Processes;
using SystemScope.Symbols;

namespace SystemScope.Composition;

/// <summary>
/// The composition root: every source, analysis and participant is registered here, once, by
/// hand (no reflection-based discovery: it would break NativeAOT). A new source is one line.
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

    public static Agent Create()
    {
        var symbolizer = new Symbolizer();
        var processes = new ProcessTable();
        var sessions = new SessionManager(
            sources: [new CpuSourceProvider()],
            analyses: [new CpuProfileAnalysisProvider(symbolizer)],
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
