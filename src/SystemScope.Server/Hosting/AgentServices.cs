using SystemScope.Core.Capabilities;
using SystemScope.Core.Processes;
using SystemScope.Core.Sessions;
using SystemScope.Core.Tuning;

namespace SystemScope.Server.Hosting;

/// <summary>What the server needs from the agent; built by the composition root.</summary>
public sealed record AgentServices(SessionManager Sessions, IProcessCatalog Processes, IKernelProbe Kernel)
{
    /// <summary>Findings and actions; null when the agent was started without them.</summary>
    public TuningService? Tuning { get; init; }
}
