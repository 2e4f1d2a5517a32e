using System.Net.Http.Headers;
using SystemScope.Kernel.Tests.EndToEnd;
using SystemScope.Kernel.Tests.Infrastructure;

namespace SystemScope.Kernel.Tests.Tuning;

/// <summary>The tuning routes of the real agent: off unless allowed, and beyond loopback a token scope of their own.</summary>
[Collection(KernelCollection.Name)]
public sealed class TuningApiTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("systemscope-tuning-api-").FullName;
    private readonly string? _journalBefore = Environment.GetEnvironmentVariable("SYSTEMSCOPE_TUNING_JOURNAL");

    public TuningApiTests() => Environment.SetEnvironmentVariable("SYSTEMSCOPE_TUNING_JOURNAL", Path.Combine(_directory, "journal.json"));

    public void Dispose()
    {
        Environment.SetEnvironmentVariable("SYSTEMSCOPE_TUNING_JOURNAL", _journalBefore);
        Directory.Delete(_directory, recursive: true);
    }

    [AgentFact]
    public async Task WithoutAllowTuning_FindingsWork_AndApplyingSaysHowToEnableIt()
    {
        using var agent = AgentServerProcess.Start();
        Assert.Equal("off", (await agent.GetJson("/api/tuning")).GetProperty("mode").GetString());
        var (status, report, _) = await agent.Send(HttpMethod.Post, "/api/tuning/advise", "{\"durationSeconds\":1}");
        Assert.Equal(200, status);
        Assert.Equal(System.Text.Json.JsonValueKind.Array, report.GetProperty("findings").ValueKind);

        var (refused, problem, _) = await agent.Send(HttpMethod.Post, "/api/tuning/findings/cpu-contention.pid1/apply", "{}");
        Assert.Equal(503, refused);
        Assert.Equal("urn:systemscope:problem:tuning-disabled", problem.GetProperty("type").GetString());
        Assert.Contains("--allow-tuning", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_directory, "journal.json")), "nothing may be journaled when tuning is off");
    }

    [AgentFact]
    public async Task BeyondLoopback_ChangingTheSystemNeedsTheTuningToken_NotTheReadToken()
    {
        var read = Path.Combine(_directory, "read.token");
        var tune = Path.Combine(_directory, "tune.token");
        File.WriteAllText(read, "read-token-0123456789");
        File.WriteAllText(tune, "tuning-token-0123456789");
        using var agent = AgentServerProcess.Start("0.0.0.0:0", "--token-file", read, "--allow-tuning", "--tuning-token-file", tune);
        agent.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "read-token-0123456789");

        var status = await agent.GetJson("/api/tuning");
        Assert.Equal("apply", status.GetProperty("mode").GetString());
        Assert.True(status.GetProperty("tuningTokenRequired").GetBoolean());
        var (forbidden, problem, _) = await agent.Send(HttpMethod.Post, "/api/tuning/actions/t123/rollback");
        Assert.Equal(403, forbidden);
        Assert.Equal("urn:systemscope:problem:tuning-scope", problem.GetProperty("type").GetString());

        agent.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "tuning-token-0123456789");
        var (missing, notFound, _) = await agent.Send(HttpMethod.Post, "/api/tuning/actions/t123/rollback");
        Assert.Equal(404, missing);
        Assert.Contains("no action or finding 't123'", notFound.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var (unknown, gone, _) = await agent.Send(HttpMethod.Post, "/api/tuning/findings/listen-overflow.net1.port1/apply", "{\"durationSeconds\":1}");
        Assert.Equal(404, unknown);
        Assert.Contains("nothing was applied", gone.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
