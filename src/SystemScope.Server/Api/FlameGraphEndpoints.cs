using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using SystemScope.Core.Analyses;
using SystemScope.Core.Errors;
using SystemScope.Core.Models;
using SystemScope.Core.Sessions;
using SystemScope.Server.Hosting;

namespace SystemScope.Server.Api;

/// <summary>The CPU flame graph of a session: whole, as a change since a cursor, or as a live stream.</summary>
internal static class FlameGraphEndpoints
{
    private static readonly TimeSpan MinStreamInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxStreamInterval = TimeSpan.FromSeconds(5);

    public static void MapFlameGraphEndpoints(this IEndpointRouteBuilder app, AgentServices services)
    {
        app.MapGet("/api/sessions/{id}/flamegraph", (string id, int? epoch, int? version, int? nodes, int? frames) =>
        {
            var since = epoch is { } e
                ? new FlameGraphCursor(e, version ?? 0, nodes ?? 0, frames ?? 0)
                : FlameGraphCursor.None;
            return TypedResults.Ok(Profile(services.Sessions.Get(id)).CreateUpdate(since));
        });

        app.MapGet("/api/sessions/{id}/stream", (HttpContext context, string id) => Stream(context, services.Sessions.Get(id)));
    }

    /// <summary>
    /// Server-sent events: an <c>update</c> with the session and what changed in its flame graph since
    /// the previous message on this connection, as soon as a window is merged (and at least once per
    /// window, for the session's counters); <c>end</c> when the session stops.
    /// </summary>
    private static async Task Stream(HttpContext context, Session session)
    {
        var profile = Profile(session);
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";

        var interval = TimeSpan.FromTicks(Math.Clamp(session.Spec.Window.Ticks, MinStreamInterval.Ticks, MaxStreamInterval.Ticks));
        var cursor = FlameGraphCursor.None;
        var token = context.RequestAborted;
        while (true)
        {
            var changed = profile.Changed; // taken before the update, so no change can slip between
            var snapshot = session.Snapshot();
            var update = profile.CreateUpdate(cursor);
            cursor = update.Cursor;
            await WriteEvent(response, "update", new StreamUpdate(snapshot, update), token);
            if (snapshot.State == SessionState.Stopped)
            {
                await response.WriteAsync("event: end\ndata: {}\n\n", token);
                await response.Body.FlushAsync(token);
                return;
            }

            await Task.WhenAny(changed, Task.Delay(interval, token));
            token.ThrowIfCancellationRequested();
        }
    }

    private static async Task WriteEvent(HttpResponse response, string name, StreamUpdate update, CancellationToken token)
    {
        await response.WriteAsync($"event: {name}\ndata: ", token);
        await JsonSerializer.SerializeAsync(response.Body, update, ApiJsonContext.Default.StreamUpdate, token);
        await response.WriteAsync("\n\n", token);
        await response.Body.FlushAsync(token);
    }

    private static CpuProfileAnalysis Profile(Session session) =>
        session.Analysis<CpuProfileAnalysis>()
        ?? throw new NotFoundException("no-cpu-profile", $"session {session.Id} has no CPU profile: start it with the 'cpu' source");
}
