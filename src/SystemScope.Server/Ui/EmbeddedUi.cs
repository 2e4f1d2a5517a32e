using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace SystemScope.Server.Ui;

/// <summary>
/// The web UI, built by Vite and embedded in this assembly under <c>web/</c>. Served from memory:
/// the binary needs no files beside it.
/// </summary>
internal static class EmbeddedUi
{
    private const string ResourcePrefix = "web/";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".png"] = "image/png",
        [".ico"] = "image/x-icon",
        [".json"] = "application/json",
        [".woff2"] = "font/woff2",
        [".map"] = "application/json",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    public static void MapEmbeddedUi(this IEndpointRouteBuilder app)
    {
        var files = Load();
        app.MapGet("/", (HttpContext context) => Serve(context, files, "index.html"));
        app.MapGet("/{**path}", (HttpContext context, string path) =>
        {
            if (path.StartsWith("api/", StringComparison.Ordinal) || path == "api")
            {
                return Api.Problems.Write(context, 404, "not-found", "Not found", $"no API endpoint {context.Request.Method} /{path} (see docs/api.md)");
            }

            // Paths without an extension are client-side routes of the single-page UI.
            return Serve(context, files, Path.HasExtension(path) ? path : "index.html");
        });
    }

    private static Task Serve(HttpContext context, FrozenDictionary<string, Asset> files, string path)
    {
        if (!files.TryGetValue(path, out var asset))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        var headers = context.Response.Headers;
        headers.ETag = asset.ETag;
        // Vite fingerprints everything under assets/; index.html must be revalidated.
        headers.CacheControl = path.StartsWith("assets/", StringComparison.Ordinal) ? "public, max-age=31536000, immutable" : "no-cache";
        if (context.Request.Headers.IfNoneMatch == asset.ETag)
        {
            context.Response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }

        context.Response.ContentType = asset.ContentType;
        context.Response.ContentLength = asset.Content.Length;
        return context.Response.Body.WriteAsync(asset.Content, context.RequestAborted).AsTask();
    }

    private static FrozenDictionary<string, Asset> Load()
    {
        var assembly = typeof(EmbeddedUi).Assembly;
        var files = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            var content = new byte[stream.Length];
            stream.ReadExactly(content);
            var path = name[ResourcePrefix.Length..].Replace('\\', '/');
            var type = ContentTypes.GetValueOrDefault(Path.GetExtension(path), "application/octet-stream");
            files[path] = new Asset(content, type, $"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..16]}\"");
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private sealed record Asset(byte[] Content, string ContentType, string ETag);
}
