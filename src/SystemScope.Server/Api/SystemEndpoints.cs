using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using SystemScope.Core.Sessions;
using SystemScope.Core.Sources;
using SystemScope.Server.Hosting;

namespace SystemScope.Server.Api;

/// <summary>Health, processes and capabilities: what the agent and the machine are.</summary>
internal static class SystemEndpoints
{
    public static void MapSystemEndpoints(this IEndpointRouteBuilder app, AgentServices services, ServerOptions options)
    {
        var started = Stopwatch.StartNew();

        app.MapGet("/api/health", () => TypedResults.Ok(
            new HealthResponse("ok", options.Version, Math.Round(started.Elapsed.TotalSeconds, 1), services.Sessions.Sessions.Count, Footprint())));

        app.MapGet("/api/processes", () => TypedResults.Ok(services.Processes.List()));

        app.MapGet("/api/capabilities", () =>
        {
            var sources = services.Sessions.SourceDescriptors
                .Select(d =>
                {
                    var probe = services.Sessions.Probe(d.Id);
                    return new SourceCapability(
                        d.Id, d.Title, d.Layer.ToString().ToLowerInvariant(), d.Description, d.Implicit,
                        probe.Available, probe.Mechanisms, probe.Reason, probe.Detail, OptionsOf(d));
                })
                .ToList();
            return TypedResults.Ok(new CapabilitiesResponse(services.Kernel.Kernel(), services.Kernel.Features(), sources, Settings));
        });
    }

    private static readonly SessionSettings Settings = new(
        new SessionSetting(SessionSpec.MinWindow.TotalSeconds, SessionSpec.MaxWindow.TotalSeconds, 1),
        new SessionSetting(SessionSpec.MinMemoryBudgetBytes >> 20, SessionSpec.MaxMemoryBudgetBytes >> 20, SessionSpec.DefaultMemoryBudgetBytes >> 20),
        new SessionSetting(SessionLease.MinGrace.TotalSeconds, SessionLease.MaxGrace.TotalSeconds, SessionLease.DefaultGrace.TotalSeconds),
        new SessionSetting(0, SessionLease.MaxDuration.TotalSeconds, null));

    private static AgentFootprint Footprint()
    {
        using var self = Process.GetCurrentProcess();
        var gc = GC.GetGCMemoryInfo();
        int openFiles;
        try
        {
            openFiles = Directory.GetFiles("/proc/self/fd").Length;
        }
        catch (IOException)
        {
            openFiles = -1;
        }

        return new AgentFootprint(self.WorkingSet64, gc.HeapSizeBytes, gc.TotalCommittedBytes, GC.CollectionCount(2), self.Threads.Count, openFiles);
    }

    private static JsonElement OptionsOf(SourceDescriptor descriptor)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var option in descriptor.Options)
            {
                option.WriteDescription(json);
            }

            json.WriteEndArray();
        }

        using var document = JsonDocument.Parse(buffer.ToArray());
        return document.RootElement.Clone();
    }
}
