using System.Text.Json;
using SystemScope.Core.Capabilities;

namespace SystemScope.Server.Api;

public sealed record HealthResponse(string Status, string Version, double UptimeSeconds, int Sessions, AgentFootprint Agent);

/// <summary>What the agent itself costs right now: the figures a soak or a bench watches.</summary>
public sealed record AgentFootprint(long RssBytes, long ManagedHeapBytes, long ManagedCommittedBytes, int Gen2Collections, int Threads, int OpenFiles);

/// <summary>A source as the capabilities list describes it: whether it runs here, and the options it takes (the UI's start form is made from them).</summary>
public sealed record SourceCapability(
    string Id,
    string Title,
    string Layer,
    string Description,
    bool Implicit,
    bool Available,
    IReadOnlyList<string> Mechanisms,
    string? Reason,
    string? Detail,
    JsonElement Options);

public sealed record CapabilitiesResponse(KernelFacts Kernel, IReadOnlyList<FeatureProbe> Features, IReadOnlyList<SourceCapability> Sources, SessionSettings Session);

/// <summary>A setting of the session itself (not of a source), with its range and default.</summary>
public sealed record SessionSetting(double Min, double Max, double? Default);

/// <summary>The ranges of the session request's own settings, for forms.</summary>
public sealed record SessionSettings(SessionSetting WindowSeconds, SessionSetting MemoryBudgetMiB, SessionSetting GraceSeconds, SessionSetting DurationSeconds);

/// <summary>RFC 9457 problem details, with the long diagnostic (e.g. a verifier log) when there is one.</summary>
public sealed record ApiProblem(string Type, string Title, int Status, string Detail, string? Log = null);
