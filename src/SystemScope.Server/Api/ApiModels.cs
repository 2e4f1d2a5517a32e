using SystemScope.Core.Capabilities;
using SystemScope.Core.Models;
using SystemScope.Core.Sessions;

namespace SystemScope.Server.Api;

public sealed record HealthResponse(string Status, string Version, double UptimeSeconds, int Sessions);

public sealed record SourceCapability(
    string Id, string Title, string Layer, bool Available, IReadOnlyList<string> Mechanisms, string? Reason, string? Detail);

public sealed record CapabilitiesResponse(KernelFacts Kernel, IReadOnlyList<FeatureProbe> Features, IReadOnlyList<SourceCapability> Sources);

/// <summary>Body of POST /api/sessions; everything optional (defaults: cpu, all processes, 99 Hz, 1 s window).</summary>
public sealed record StartSessionRequest(string[]? Sources, int? Pid, int? Frequency, double? WindowSeconds, bool? IncludeAgent);

/// <summary>Body of PUT /api/sessions/{id}/target; a null pid means every process.</summary>
public sealed record RetargetRequest(int? Pid);

public sealed record StreamUpdate(SessionSnapshot Session, FlameGraphUpdate Flamegraph);

/// <summary>RFC 9457 problem details, with the long diagnostic (e.g. a verifier log) when there is one.</summary>
public sealed record ApiProblem(string Type, string Title, int Status, string Detail, string? Log = null);
