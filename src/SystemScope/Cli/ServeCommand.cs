using System.CommandLine;
using System.Net;
using System.Security.Cryptography;
using SystemScope.Composition;
using SystemScope.Core.Errors;
using SystemScope.Core.Tuning;
using SystemScope.Server.Hosting;

namespace SystemScope.Cli;

/// <summary><c>systemscope serve</c>: the agent with its web UI and HTTP API.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var listen = new Option<string>("--listen", "-l")
        {
            Description = "Address and port to serve on, e.g. 127.0.0.1:7070, [::1]:7070, 0.0.0.0:7070 (anything but loopback requires a token)",
            DefaultValueFactory = _ => ServerOptions.DefaultListen.ToString(),
        };
        var tokenFile = new Option<FileInfo?>("--token-file")
        {
            Description = "File holding the bearer token clients must send; without it a token is generated and printed when listening beyond loopback",
        };
        var inline = new Option<bool>("--inline") { Description = RecordOptions.InlineDescription };
        var allowTuning = new Option<bool>("--allow-tuning") { Description = "Let findings' actions be applied (verified, rolled back when they do not help); off by default" };
        var recommendOnly = new Option<bool>("--recommend-only") { Description = "Findings only: never apply anything, even when asked" };
        var tuningTokenFile = new Option<FileInfo?>("--tuning-token-file") { Description = "Beyond loopback with --allow-tuning: file holding the token that applying and rolling back need (else one is generated and printed)" };
        var command = new Command("serve", "Serve the web UI and the HTTP API. Nothing is attached until someone starts a session.")
        {
            listen,
            tokenFile,
            inline,
            allowTuning,
            recommendOnly,
            tuningTokenFile,
        };
        command.SetAction((result, cancel) => RunAsync(result.GetValue(listen)!, result.GetValue(tokenFile), result.GetValue(inline),
            result.GetValue(recommendOnly) ? TuningMode.RecommendOnly : result.GetValue(allowTuning) ? TuningMode.Apply : TuningMode.Off, result.GetValue(tuningTokenFile), cancel));
        return command;
    }

    private static async Task<int> RunAsync(string listenText, FileInfo? tokenFile, bool inlineFrames, TuningMode tuningMode, FileInfo? tuningTokenFile, CancellationToken cancel)
    {
        if (!ServerOptions.TryParseListen(listenText, out var endpoint, out var listenError))
        {
            Console.Error.WriteLine($"systemscope: {listenError}");
            return ExitCodes.InvalidUsage;
        }

        string? token;
        string? tuningToken;
        try
        {
            token = ReadToken(tokenFile, IPAddress.IsLoopback(endpoint.Address));
            tuningToken = tuningMode == TuningMode.Apply ? ReadToken(tuningTokenFile, IPAddress.IsLoopback(endpoint.Address)) : null;
        }
        catch (SystemScopeException error)
        {
            return ExitCodes.Report(error);
        }

        using var agent = Agent.Create(inlineFrames);
        TuningService tuning;
        try
        {
            // Also without --allow-tuning: what a crashed run left applied is restored at every start.
            tuning = agent.CreateTuning(tuningMode, "agent", Console.Error.WriteLine);
        }
        catch (SystemScopeException error)
        {
            return ExitCodes.Report(error);
        }

        var options = new ServerOptions(endpoint, token, AgentInfo.Version) { TuningToken = tuningToken };
        await using var app = Server.Hosting.AgentServer.Build(options, agent.ServerServices with { Tuning = tuning });
        try
        {
            await app.StartAsync(cancel);
        }
        catch (IOException error)
        {
            var reason = (error.InnerException ?? error).Message.ToLowerInvariant();
            Console.Error.WriteLine($"systemscope: cannot listen on {endpoint}: {reason} (choose another address with --listen)");
            return ExitCodes.Unavailable;
        }

        var url = AgentServer.BoundAddress(app);
        Console.WriteLine($"SystemScope {AgentInfo.Version} serving {url}");
        Console.WriteLine(token is null
            ? $"Open {url} in a browser. Press Ctrl+C to stop."
            : $"Open {url}?token={Uri.EscapeDataString(token)} in a browser (API clients send 'Authorization: Bearer {token}'). Press Ctrl+C to stop.");

        Console.WriteLine(tuningMode switch
        {
            TuningMode.Apply when tuningToken is not null => $"Tuning is allowed: applying and rolling back need the tuning token '{tuningToken}'.",
            TuningMode.Apply => "Tuning is allowed: findings' actions can be applied, verified and rolled back.",
            TuningMode.RecommendOnly => "Tuning: recommend only (nothing is ever applied).",
            _ => "Tuning is off (findings only): start with --allow-tuning to apply actions.",
        });

        // The web host takes SIGINT/SIGTERM itself (it stops the application); the command line's token
        // covers the rest. Either ends serving.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel, app.Lifetime.ApplicationStopping);
        try
        {
            await Task.Delay(Timeout.Infinite, stop.Token);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C or SIGTERM: stop serving, then every session detaches with the agent.
        }

        await app.StopAsync(CancellationToken.None);
        return ExitCodes.Success;
    }

    private static string? ReadToken(FileInfo? file, bool loopback)
    {
        if (file is not null)
        {
            if (!file.Exists)
            {
                throw new InvalidRequestException($"--token-file {file.FullName} does not exist");
            }

            var text = File.ReadAllText(file.FullName).Trim();
            return text.Length >= 16
                ? text
                : throw new InvalidRequestException($"--token-file {file.FullName} holds {text.Length} characters: use a token of at least 16");
        }

        return loopback ? null : Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');
    }
}
