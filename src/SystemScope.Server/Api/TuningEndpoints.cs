using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using SystemScope.Core.Errors;
using SystemScope.Core.Tuning;
using SystemScope.Server.Hosting;

namespace SystemScope.Server.Api;

/// <summary>
/// Findings and actions: advise, dry-run or apply a finding's action, the journal, rollback. Actions run
/// to their verdict whatever the client does (a closed tab does not roll back a good change); stopping
/// the agent restores what is still being judged. Over a non-loopback listener the routes that change
/// the system need the tuning token, not only the read token.
/// </summary>
internal static class TuningEndpoints
{
    public static void MapTuningEndpoints(this IEndpointRouteBuilder app, AgentServices services, ServerOptions options)
    {
        var tuning = app.MapGroup("/api/tuning");
        tuning.MapGet("/", () => Json(new TuningStatus(Mode(services.Tuning), services.Tuning?.Engine.Journal.Path, options.TuningToken is not null), TuningApiJson.Default.TuningStatus));

        tuning.MapGet("/findings", () => Json(Service(services).Last ?? new AdviceReport(0, [], []), TuningJson.Default.AdviceReport));

        tuning.MapPost("/advise", async (HttpRequest request, CancellationToken cancel) =>
        {
            var body = await SessionEndpoints.ReadJson(request);
            var report = await Service(services).AdviseAsync(Pid(body), Seconds(body, "durationSeconds", 10), cancel);
            return Json(report, TuningJson.Default.AdviceReport);
        });

        tuning.MapPost("/findings/{id}/apply", async (string id, HttpRequest request, IHostApplicationLifetime lifetime) =>
        {
            var body = await SessionEndpoints.ReadJson(request);
            var service = Service(services);
            var action = body is { } b && b.TryGetProperty("action", out var a) && a.ValueKind == JsonValueKind.String ? a.GetString() : null;
            var evidence = Seconds(body, "durationSeconds", 5);
            if (body is { } d && d.TryGetProperty("dryRun", out var dry) && dry.ValueKind == JsonValueKind.True)
            {
                return Json(await service.DryRunAsync(id, action, Pid(body), evidence, request.HttpContext.RequestAborted), TuningJson.Default.DryRun);
            }

            RequireTuningToken(request, options);
            var verify = new VerifyOptions(Seconds(body, "windowSeconds", 2), (int)Number(body, "windows", 5));
            var entry = await service.ApplyAsync(id, action, Pid(body), evidence, verify, Who(request), null, lifetime.ApplicationStopping);
            return Json(new JournalDocument(1, [entry]), TuningJson.Default.JournalDocument);
        });

        tuning.MapGet("/actions", () => Json(new JournalDocument(1, [.. Service(services).Engine.Journal.Read()]), TuningJson.Default.JournalDocument));

        tuning.MapPost("/actions/{id}/rollback", (string id, HttpRequest request) =>
        {
            RequireTuningToken(request, options);
            return Json(new JournalDocument(1, [Service(services).Engine.Rollback(id, Who(request))]), TuningJson.Default.JournalDocument);
        });
    }

    private static string Mode(TuningService? service) => service?.Mode switch
    {
        TuningMode.Apply => "apply",
        TuningMode.RecommendOnly => "recommendOnly",
        _ => "off",
    };

    private static TuningService Service(AgentServices services) =>
        services.Tuning ?? throw new UnavailableException("tuning-disabled", TuningService.EnableHint);

    private static IResult Json<T>(T value, JsonTypeInfo<T> type) => Results.Text(JsonSerializer.Serialize(value, type), "application/json", Encoding.UTF8);

    private static string Who(HttpRequest request) => $"api client {request.HttpContext.Connection.RemoteIpAddress}";

    private static int? Pid(JsonElement? body) => body is { } b && b.TryGetProperty("pid", out var p) && p.ValueKind == JsonValueKind.Number
        ? p.TryGetInt32(out var pid) && pid > 0 ? pid : throw new InvalidRequestException($"pid {p} is not a process id")
        : null;

    private static double Number(JsonElement? body, string name, double fallback) => body is { } b && b.TryGetProperty(name, out var v)
        ? v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw new InvalidRequestException($"{name} must be a number, not {v}")
        : fallback;

    private static TimeSpan Seconds(JsonElement? body, string name, double fallback) =>
        Number(body, name, fallback) is var s && s is >= 0 and <= 600 ? TimeSpan.FromSeconds(s) : throw new InvalidRequestException($"{name} {Number(body, name, fallback).ToString(CultureInfo.InvariantCulture)} is out of range: use 0 to 600");

    /// <summary>Beyond loopback the read token is not enough to change the system: the tuning token is a scope of its own.</summary>
    private static void RequireTuningToken(HttpRequest request, ServerOptions options)
    {
        if (options.TuningToken is not { } expected)
        {
            return;
        }

        var header = request.Headers.Authorization.ToString();
        var presented = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : request.Query["token"].ToString();
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(expected)))
        {
            throw new TuningScopeException("this route changes the system: send the tuning token printed at start (or given with --tuning-token-file) as 'Authorization: Bearer TOKEN'; the read token is not enough");
        }
    }
}

/// <summary>What <c>GET /api/tuning</c> says: whether this agent applies, and whether changes need the tuning token.</summary>
internal sealed record TuningStatus(string Mode, string? Journal, bool TuningTokenRequired);

/// <summary>A valid token of the wrong scope: HTTP 403.</summary>
internal sealed class TuningScopeException(string message) : SystemScopeException("tuning-scope", message);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[System.Text.Json.Serialization.JsonSerializable(typeof(TuningStatus))]
internal sealed partial class TuningApiJson : System.Text.Json.Serialization.JsonSerializerContext;
