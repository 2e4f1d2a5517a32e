using SystemScope.Core.Capabilities;
using SystemScope.Core.Processes;
using SystemScope.Core.Sessions;

namespace SystemScope.Server.Hosting;

/// <summary>What the server needs from the agent; built by the composition root.</summary>
public sealed record AgentServices(SessionManager Sessions, IProcessCatalog Processes, IKernelProbe Kernel);
