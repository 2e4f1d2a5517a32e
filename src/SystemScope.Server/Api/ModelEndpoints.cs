using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using SystemScope.Core.Models;
using SystemScope.Core.Sessions;
using SystemScope.Server.Hosting;

namespace SystemScope.Server.Api;

/// <summary>
/// A session's models, whatever their type: the list, one model (live view since a cursor, or a
/// query with parameters), and one live stream per session that multiplexes every model's updates.
/// The server never names a concrete analysis: each model writes itself.
/// </summary>
internal static class ModelEndpoints
{
    private static readonly TimeSpan MinStreamInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxStreamInterval = TimeSpan.FromSeconds(5);

    public static void MapModelEndpoints(this IEndpointRouteBuilder app, AgentServices services)
    {
        var manager = services.Sessions;

        // A stopped session's models stay readable for a while (Find), so a reload after Stop still shows them.
        app.MapGet("/api/sessions/{id}/models", (string id) =>
        {
            var session = manager.Find(id);
            session.Touch();
            return TypedResults.Ok<IReadOnlyList<ModelSnapshot>>(session.Snapshot().Models);
        });

        app.MapGet("/api/sessions/{id}/models/{model}", async (HttpContext context, string id, string model) =>
        {
            var session = manager.Find(id);
            session.Touch();
            var target = session.Model(model);
            var request = new ModelRequest(Cursor(context.Request), Parameters(context.Request), session.OriginNs, (otherSession, otherModel) => manager.Find(otherSession).Model(otherModel));

            // Written to a buffer first, so a bad parameter still becomes a problem document.
            using var buffer = new MemoryStream();
            string? cursor;
            using (var json = new Utf8JsonWriter(buffer))
            {
                cursor = target.Write(json, request);
            }

            context.Response.ContentType = "application/json";
            if (cursor is not null)
            {
                context.Response.Headers["X-Model-Cursor"] = cursor;
            }

            buffer.Position = 0;
            await buffer.CopyToAsync(context.Response.Body, context.RequestAborted);
        });

        app.MapGet("/api/sessions/{id}/stream", (HttpContext context, string id) => Stream(context, manager.Find(id)));
    }

    /// <summary>
    /// Server-sent events: <c>update</c> = <c>{"session":…,"models":{"cpu.flamegraph":…,…},"cursors":{"cpu.flamegraph":"…",…}}</c>
    /// with what changed in each model since the previous message on this connection (the first one has
    /// everything), sent as soon as a model changes and at least once per window (for the session's
    /// counters); <c>end</c> when the session stops. While the stream is open the session has a viewer.
    /// <c>?models=a,b</c> limits which models are sent.
    /// </summary>
    private static async Task Stream(HttpContext context, Session session)
    {
        var wanted = context.Request.Query["models"].ToString();
        var models = session.Models
            .Where(m => wanted.Length == 0 || wanted.Split(',', StringSplitOptions.TrimEntries).Contains(m.Descriptor.Id, StringComparer.Ordinal))
            .ToList();
        if (wanted.Length > 0)
        {
            foreach (var name in wanted.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                session.Model(name); // a 404 naming the session's models for a typo
            }
        }

        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";

        using var viewer = session.AddViewer();
        var interval = TimeSpan.FromTicks(Math.Clamp(session.Spec.Window.Ticks, MinStreamInterval.Ticks, MaxStreamInterval.Ticks));
        var cursors = new Dictionary<string, string?>(StringComparer.Ordinal);
        var versions = new Dictionary<string, long>(StringComparer.Ordinal);
        var token = context.RequestAborted;
        using var buffer = new MemoryStream();
        while (true)
        {
            // Taken before the update is written, so no change can slip between.
            var changed = models.Count == 0 ? Task.Delay(Timeout.Infinite, token) : Task.WhenAny(models.Select(m => m.Changed));
            var snapshot = session.Snapshot();
            buffer.SetLength(0);
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WritePropertyName("session");
                JsonSerializer.Serialize(json, snapshot, ApiJsonContext.Default.SessionSnapshot);
                json.WriteStartObject("models");
                var sent = new List<string>();
                foreach (var model in models)
                {
                    var id = model.Descriptor.Id;
                    var version = model.Version;
                    if (versions.TryGetValue(id, out var seen) && seen == version)
                    {
                        continue;
                    }

                    versions[id] = version;
                    json.WritePropertyName(id);
                    cursors[id] = model.Write(json, new ModelRequest(cursors.GetValueOrDefault(id), null, session.OriginNs));
                    sent.Add(id);
                }

                json.WriteEndObject();

                // The cursor each model's update leaves the client at, for a resync with GET …/models/{id}?cursor=.
                json.WriteStartObject("cursors");
                foreach (var id in sent)
                {
                    if (cursors[id] is { } cursor)
                    {
                        json.WriteString(id, cursor);
                    }
                }

                json.WriteEndObject();
                json.WriteEndObject();
            }

            await response.WriteAsync("event: update\ndata: ", token);
            await response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), token);
            await response.WriteAsync("\n\n", token);
            await response.Body.FlushAsync(token);
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

    private static string? Cursor(HttpRequest request) =>
        request.Query.TryGetValue("cursor", out var cursor) ? cursor.ToString() : null;

    /// <summary>Every query parameter but the cursor and the token, for the model to check.</summary>
    private static Dictionary<string, string> Parameters(HttpRequest request) =>
        request.Query
            .Where(q => q.Key is not ("cursor" or "token"))
            .ToDictionary(q => q.Key, q => q.Value.ToString(), StringComparer.Ordinal);
}
