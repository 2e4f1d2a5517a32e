using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using SystemScope.Core.Errors;
using SystemScope.Core.Sessions;
using SystemScope.Server.Hosting;

namespace SystemScope.Server.Api;

/// <summary>Session lifecycle: start, list, inspect, pause/resume/reset, retarget, stop.</summary>
internal static class SessionEndpoints
{
    public static void MapSessionEndpoints(this IEndpointRouteBuilder app, AgentServices services)
    {
        var manager = services.Sessions;
        var sessions = app.MapGroup("/api/sessions");

        sessions.MapGet("/", () => TypedResults.Ok<IReadOnlyList<SessionSnapshot>>([.. manager.Sessions.Select(s => s.Snapshot())]));

        sessions.MapPost("/", (StartSessionRequest? request) =>
        {
            var session = manager.Start(ToSpec(request ?? new StartSessionRequest(null, null, null, null, null)));
            return TypedResults.Created($"/api/sessions/{session.Id}", session.Snapshot());
        });

        sessions.MapGet("/{id}", (string id) => TypedResults.Ok(manager.Get(id).Snapshot()));

        sessions.MapDelete("/{id}", (string id) =>
        {
            manager.Stop(id);
            return TypedResults.NoContent();
        });

        sessions.MapPost("/{id}/pause", (string id) => Apply(manager, id, s => s.Pause()));
        sessions.MapPost("/{id}/resume", (string id) => Apply(manager, id, s => s.Resume()));
        sessions.MapPost("/{id}/reset", (string id) => Apply(manager, id, s => s.Reset()));

        sessions.MapPut("/{id}/target", (string id, RetargetRequest request) =>
        {
            manager.Retarget(id, Target(request.Pid));
            return TypedResults.Ok(manager.Get(id).Snapshot());
        });
    }

    internal static SessionSpec ToSpec(StartSessionRequest request)
    {
        var spec = new SessionSpec
        {
            Sources = request.Sources ?? ["cpu"],
            Target = Target(request.Pid),
            FrequencyHz = request.Frequency ?? SessionSpec.DefaultFrequencyHz,
            IncludeAgent = request.IncludeAgent ?? false,
        };
        if (request.WindowSeconds is { } seconds)
        {
            spec = spec with { Window = double.IsFinite(seconds) && seconds is > 0 and < 3600 ? TimeSpan.FromSeconds(seconds) : throw new InvalidRequestException($"windowSeconds {seconds} is out of range: use 0.1 to 60") };
        }

        return spec;
    }

    private static ProcessTarget Target(int? pid) => pid switch
    {
        null => ProcessTarget.AllProcesses,
        > 0 => ProcessTarget.Process(pid.Value),
        _ => throw new InvalidRequestException($"pid {pid} is not a process id: use a positive pid, or null for all processes"),
    };

    private static IResult Apply(SessionManager manager, string id, Action<Session> change)
    {
        var session = manager.Get(id);
        change(session);
        return TypedResults.Ok(session.Snapshot());
    }
}
