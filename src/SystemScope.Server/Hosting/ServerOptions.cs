using System.Net;

namespace SystemScope.Server.Hosting;

/// <summary>Where the agent listens and whether requests need a token.</summary>
public sealed record ServerOptions(IPEndPoint Listen, string? Token, string Version)
{
    public const int DefaultPort = 7070;

    public static readonly IPEndPoint DefaultListen = new(IPAddress.Loopback, DefaultPort);

    public bool IsLoopback => IPAddress.IsLoopback(Listen.Address);

    /// <summary>Parses <c>host:port</c>, <c>[v6]:port</c> or <c>:port</c> (loopback). Hosts are IP addresses.</summary>
    public static bool TryParseListen(string text, out IPEndPoint endpoint, out string error)
    {
        endpoint = DefaultListen;
        error = string.Empty;
        var value = text.Trim();
        if (value.StartsWith(':'))
        {
            value = "127.0.0.1" + value;
        }

        if (!IPEndPoint.TryParse(value, out var parsed) || !value.Contains(':', StringComparison.Ordinal) || value.EndsWith(']'))
        {
            error = $"--listen '{text}' is not an address and port such as 127.0.0.1:7070, 0.0.0.0:7070 or [::1]:7070";
            return false;
        }

        if (parsed.Port is < 0 or > 65535)
        {
            error = $"--listen port {parsed.Port} is out of range 0-65535";
            return false;
        }

        endpoint = parsed;
        return true;
    }
}
