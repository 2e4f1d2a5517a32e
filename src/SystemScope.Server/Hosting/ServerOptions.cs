using System.Net;

namespace SystemScope.Server.Hosting;

/// <summary>Where the agent listens and whether requests need a token.</summary>
public sealed record ServerOptions(IPEndPoint Listen, string? Token, string Version)
{
    /// <summary>Beyond loopback with tuning allowed: the token that changing the system takes (the read token does not).</summary>
    public string? TuningToken { get; init; }

    public const int DefaultPort = 7070;

    public static readonly IPEndPoint DefaultListen = new(IPAddress.Loopback, DefaultPort);

    public bool IsLoopback => IPAddress.IsLoopback(Listen.Address);

    /// <summary>Parses <c>address:port</c>, <c>[v6]:port</c> or <c>:port</c> (loopback). Addresses are IP addresses, not names.</summary>
    public static bool TryParseListen(string text, out IPEndPoint endpoint, out string error)
    {
        endpoint = DefaultListen;
        error = string.Empty;
        var value = text.Trim();
        if (value.StartsWith(':'))
        {
            value = "127.0.0.1" + value;
        }

        // A port is required (a bare "7070" would parse as an IPv4 address); ports above 65535 fail to parse.
        if (!IPEndPoint.TryParse(value, out var parsed) || !value.Contains(':', StringComparison.Ordinal) || value.EndsWith(']'))
        {
            error = $"--listen '{text}' is not an IP address and port such as 127.0.0.1:7070, 0.0.0.0:7070 or [::1]:7070";
            return false;
        }

        endpoint = parsed;
        return true;
    }
}
