using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace SystemScope.Kernel.Tests.EndToEnd;

/// <summary><c>systemscope serve</c> on a kernel-chosen port, with an HTTP client pointed at it. Killed on dispose.</summary>
public sealed partial class AgentServerProcess : IDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private AgentServerProcess(Process process, Uri baseAddress, string? token)
    {
        _process = process;
        BaseAddress = baseAddress;
        Token = token;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public Uri BaseAddress { get; }

    public string? Token { get; }

    public HttpClient Http { get; }

    public int Pid => _process.Id;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static AgentServerProcess Start(string listen = "127.0.0.1:0", params string[] extraArgs)
    {
        var start = new ProcessStartInfo(AgentBinary.Path) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["serve", "--listen", listen, .. extraArgs])
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        var lines = new System.Collections.Concurrent.BlockingCollection<string>();
        var captured = new StringBuilder();
        process.OutputDataReceived += (_, e) => Capture(e.Data);
        process.ErrorDataReceived += (_, e) => Capture(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        Uri? address = null;
        string? token = null;
        // Beyond loopback, without a token file, the agent prints the token it generated.
        var expectToken = !listen.StartsWith("127.", StringComparison.Ordinal) && !extraArgs.Contains("--token-file");
        var deadline = Stopwatch.StartNew();
        while (address is null || (expectToken && token is null))
        {
            if (!lines.TryTake(out var line, StartTimeout - deadline.Elapsed))
            {
                process.Kill();
                Assert.Fail($"systemscope serve did not start within {StartTimeout}:\n{captured}");
            }

            if (ServingLine().Match(line) is { Success: true } serving)
            {
                address = new Uri(serving.Groups[1].Value);
            }

            if (TokenLine().Match(line) is { Success: true } tokenMatch)
            {
                token = tokenMatch.Groups[1].Value;
            }
        }

        var agent = new AgentServerProcess(process, address, token);
        lock (agent._output)
        {
            agent._output.Append(captured);
        }

        process.OutputDataReceived += (_, e) => agent.Append(e.Data);
        process.ErrorDataReceived += (_, e) => agent.Append(e.Data);
        if (token is not null)
        {
            agent.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return agent;

        void Capture(string? data)
        {
            if (data is null)
            {
                return;
            }

            lock (captured)
            {
                captured.AppendLine(data);
            }

            lines.Add(data);
        }
    }

    public async Task<JsonElement> GetJson(string path)
    {
        using var response = await Http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    public async Task<(int Status, JsonElement Body, string? ContentType)> Send(HttpMethod method, string path, string? json = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        var element = body.Length == 0 ? default : JsonDocument.Parse(body).RootElement.Clone();
        return ((int)response.StatusCode, element, response.Content.Headers.ContentType?.MediaType);
    }

    public void Dispose()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(10_000);
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    [GeneratedRegex(@"serving (http://\S+)")]
    private static partial Regex ServingLine();

    [GeneratedRegex(@"Bearer ([A-Za-z0-9_\-]+)'")]
    private static partial Regex TokenLine();
}
