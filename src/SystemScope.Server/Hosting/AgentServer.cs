using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Routing;
using SystemScope.Core.Sessions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SystemScope.Server.Api;
using SystemScope.Server.Ui;

namespace SystemScope.Server.Hosting;

/// <summary>Builds the agent's web server: the API, the live streams and the embedded UI on one port.</summary>
public static class AgentServer
{
    public static WebApplication Build(ServerOptions options, AgentServices services)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(services);
        if (!options.IsLoopback && string.IsNullOrEmpty(options.Token))
        {
            throw new ArgumentException("a token is required when listening beyond loopback", nameof(options));
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "systemscope", Args = [] });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(options.Listen);
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(console => console.SingleLine = true);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        // Start-up failures (a port in use) are reported by the caller in one line, not as a stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        builder.Services.Configure<JsonOptions>(json =>
        {
            json.SerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default);
            // Converters named in the context's attributes apply only to its own options, not to these.
            json.SerializerOptions.Converters.Add(new CamelCaseEnumConverter<SessionState>());
            json.SerializerOptions.Converters.Add(new CamelCaseEnumConverter<Core.Sources.CounterKind>());
        });
        // Malformed bodies throw, so the problem-details middleware can say what is wrong with them.
        builder.Services.Configure<RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true);

        var app = builder.Build();
        app.UseStatusCodePages(context => Problems.ForEmptyStatus(context.HttpContext));
        app.Use(Problems.Handle);
        if (!string.IsNullOrEmpty(options.Token))
        {
            app.Use(new TokenAuthentication(options.Token, options.TuningToken).Handle);
        }

        app.MapSystemEndpoints(services, options);
        app.MapSessionEndpoints(services);
        app.MapModelEndpoints(services);
        app.MapTuningEndpoints(services, options);
        app.MapEmbeddedUi();
        return app;
    }

    /// <summary>The address actually bound (the port is chosen by the kernel when 0 was asked).</summary>
    public static Uri BoundAddress(WebApplication app)
    {
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        var first = addresses?.FirstOrDefault() ?? throw new InvalidOperationException("the server has not bound an address");
        return new Uri(first.Replace("://[::]", "://[::1]", StringComparison.Ordinal).Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal));
    }
}
