using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using SystemScope.Server.Hosting;

namespace SystemScope.Server.Api;

/// <summary>Health, processes and capabilities: what the agent and the machine are.</summary>
internal static class SystemEndpoints
{
    public static void MapSystemEndpoints(this IEndpointRouteBuilder app, AgentServices services, ServerOptions options)
    {
        var started = Stopwatch.StartNew();

        app.MapGet("/api/health", () => TypedResults.Ok(
            new HealthResponse("ok", options.Version, Math.Round(started.Elapsed.TotalSeconds, 1), services.Sessions.Sessions.Count)));

        app.MapGet("/api/processes", () => TypedResults.Ok(services.Processes.List()));

        app.MapGet("/api/capabilities", () =>
        {
            var sources = services.Sessions.SourceDescriptors
                .Select(d =>
                {
                    var probe = services.Sessions.Probe(d.Id);
                    return new SourceCapability(d.Id, d.Title, d.Layer.ToString().ToLowerInvariant(), probe.Available, probe.Mechanisms, probe.Reason, probe.Detail);
                })
                .ToList();
            return TypedResults.Ok(new CapabilitiesResponse(services.Kernel.Kernel(), services.Kernel.Features(), sources));
        });
    }
}
