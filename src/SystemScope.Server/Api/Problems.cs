using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using SystemScope.Core.Errors;

namespace SystemScope.Server.Api;

/// <summary>
/// Turns every failure of a request into problem details with a specific message, so a bad request
/// never takes the agent down and the client always learns what was wrong.
/// </summary>
internal static class Problems
{
    public static Task Write(HttpContext context, int status, string code, string title, string detail, string? log = null)
    {
        if (context.Response.HasStarted)
        {
            return Task.CompletedTask;
        }

        context.Response.Clear();
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/problem+json";
        var problem = new ApiProblem($"urn:systemscope:problem:{code}", title, status, detail, log);
        return JsonSerializer.SerializeAsync(context.Response.Body, problem, ApiJsonContext.Default.ApiProblem, context.RequestAborted);
    }

    /// <summary>Middleware: maps exceptions to problem details.</summary>
    public static async Task Handle(HttpContext context, RequestDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        catch (Exception ex)
        {
            var (status, code, title, detail, log) = Describe(ex);
            if (status >= 500 && context.RequestServices.GetService(typeof(ILoggerFactory)) is ILoggerFactory factory)
            {
                factory.CreateLogger("SystemScope.Server").LogError(ex, "{Method} {Path} failed", context.Request.Method, context.Request.Path);
            }

            await Write(context, status, code, title, detail, log);
        }
    }

    private static (int Status, string Code, string Title, string Detail, string? Log) Describe(Exception ex) => ex switch
    {
        InvalidRequestException e => (400, e.Code, "Invalid request", e.Message, null),
        NotFoundException e => (404, e.Code, "Not found", e.Message, null),
        ConflictException e => (409, e.Code, "Conflict", e.Message, null),
        TuningScopeException e => (403, e.Code, "Forbidden", e.Message, null),
        UnavailableException e => (503, e.Code, "Not available on this machine", e.Message, e.Detail),
        UnsupportedMediaTypeException e => (415, "unsupported-media-type", "Unsupported media type", e.Message, null),
        BadHttpRequestException e => (e.StatusCode, "malformed-request", "Malformed request", BadRequestDetail(e), null),
        JsonException e => (400, "malformed-json", "Malformed JSON", e.Message, null),
        _ => (500, "internal", "Internal error", $"{ex.GetType().Name}: {ex.Message}", null),
    };

    /// <summary>
    /// For answers the framework gives with an empty body (an unknown path, a method the path does not
    /// take, an unsupported content type): every error is a problem document.
    /// </summary>
    public static Task ForEmptyStatus(HttpContext context)
    {
        var request = context.Request;
        var (code, title, detail) = context.Response.StatusCode switch
        {
            404 => ("not-found", "Not found", $"nothing at {request.Path}: see docs/api.md for the endpoints"),
            405 => ("method-not-allowed", "Method not allowed", $"{request.Method} is not allowed on {request.Path}{Allowed(context)}"),
            415 => ("unsupported-media-type", "Unsupported media type", "send the body as JSON with 'Content-Type: application/json'"),
            var status => ("http-" + status, "Error", $"{request.Method} {request.Path} answered {status}"),
        };
        return Write(context, context.Response.StatusCode, code, title, detail);
    }

    private static string Allowed(HttpContext context) =>
        context.Response.Headers.Allow is { Count: > 0 } allow ? $" (allowed: {allow})" : string.Empty;

    /// <summary>The framework's message names the parameter; the JSON reader's says where the body is wrong.</summary>
    private static string BadRequestDetail(BadHttpRequestException e) =>
        e.InnerException is JsonException json ? $"the body is not valid JSON: {json.Message}" : e.Message;
}
