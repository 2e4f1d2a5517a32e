using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using SystemScope.Server.Api;

namespace SystemScope.Server.Hosting;

/// <summary>
/// Bearer-token check for /api when the agent listens beyond loopback. The token may also come as
/// <c>?token=</c> because EventSource cannot set headers. Compared in constant time.
/// </summary>
internal sealed class TokenAuthentication(string token, string? tuningToken = null)
{
    private readonly byte[] _expected = Encoding.UTF8.GetBytes(token);

    // The tuning token is a wider scope: it reads too.
    private readonly byte[]? _tuning = tuningToken is null ? null : Encoding.UTF8.GetBytes(tuningToken);

    public Task Handle(HttpContext context, RequestDelegate next)
    {
        if (!context.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal) || Matches(Presented(context.Request)))
        {
            return next(context);
        }

        context.Response.Headers.WWWAuthenticate = "Bearer";
        return Problems.Write(context, 401, "unauthorized", "Unauthorized",
            "this agent listens beyond loopback: send the token printed at start as 'Authorization: Bearer TOKEN' or '?token=TOKEN'");
    }

    private static string? Presented(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return header["Bearer ".Length..].Trim();
        }

        return request.Query.TryGetValue("token", out var query) ? query.ToString() : null;
    }

    private bool Matches(string? presented) =>
        presented is not null && (CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), _expected)
            || (_tuning is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), _tuning)));
}
