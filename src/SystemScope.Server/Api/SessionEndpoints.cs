using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using SystemScope.Core.Errors;
using SystemScope.Core.Sessions;
using SystemScope.Server.Hosting;

namespace SystemScope.Server.Api;

/// <summary>Session lifecycle: start, list, inspect, pause/resume/reset, change the filter, stop.</summary>
internal static class SessionEndpoints
{
    public static void MapSessionEndpoints(this IEndpointRouteBuilder app, AgentServices services)
    {
        var manager = services.Sessions;
        var sessions = app.MapGroup("/api/sessions");

        sessions.MapGet("/", () => TypedResults.Ok<IReadOnlyList<SessionSnapshot>>([.. manager.Sessions.Select(s => s.Snapshot())]));

        sessions.MapPost("/", async (HttpRequest request) =>
        {
            var spec = SessionRequests.Start(await ReadJson(request));
            var session = manager.Start(spec);
            return TypedResults.Created($"/api/sessions/{session.Id}", session.Snapshot());
        });

        // A stopped session is still described for a while (with why it ended), so a tab learns what happened.
        sessions.MapGet("/{id}", (string id) =>
        {
            Touch(manager, id);
            return TypedResults.Ok(manager.Snapshot(id));
        });

        sessions.MapDelete("/{id}", (string id) =>
        {
            manager.Stop(id, "stopped by a user");
            return TypedResults.NoContent();
        });

        sessions.MapPost("/{id}/pause", (string id) => Apply(manager, id, s => s.Pause()));
        sessions.MapPost("/{id}/resume", (string id) => Apply(manager, id, s => s.Resume()));
        sessions.MapPost("/{id}/reset", (string id) => Apply(manager, id, s => s.Reset()));

        sessions.MapPut("/{id}/filter", async (string id, HttpRequest request) =>
        {
            var body = await ReadJson(request) ?? throw new InvalidRequestException("send the new filter, such as {\"pids\":[1234]} or {} for every process");
            manager.SetFilter(id, SessionRequests.Filter(body, "the filter"));
            return TypedResults.Ok(manager.Get(id).Snapshot());
        });
    }

    /// <summary>The body as JSON (null when empty); the content type must say JSON.</summary>
    internal static async Task<JsonElement?> ReadJson(HttpRequest request)
    {
        if (request.ContentLength == 0 || (request.ContentLength is null && !request.Headers.TransferEncoding.Any()))
        {
            return null;
        }

        if (request.ContentType is not { } type || !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            throw new UnsupportedMediaTypeException($"send the body as JSON with 'Content-Type: application/json' (got {(request.ContentType is null ? "no content type" : $"'{request.ContentType}'")})");
        }

        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            return document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new InvalidRequestException($"the body is not valid JSON: {ex.Message}");
        }
    }

    internal static void Touch(Core.Sessions.SessionManager manager, string id)
    {
        if (manager.Sessions.FirstOrDefault(s => s.Id == id) is { } session)
        {
            session.Touch();
        }
    }

    private static IResult Apply(Core.Sessions.SessionManager manager, string id, Action<Session> change)
    {
        var session = manager.Get(id);
        session.Touch();
        change(session);
        return TypedResults.Ok(session.Snapshot());
    }
}

/// <summary>A body in a format the endpoint does not read: HTTP 415.</summary>
internal sealed class UnsupportedMediaTypeException(string message) : Exception(message);
