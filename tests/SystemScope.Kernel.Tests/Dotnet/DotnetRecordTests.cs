using System.Text.Json;
using SystemScope.Kernel.Tests.EndToEnd;
using SystemScope.Kernel.Tests.Infrastructure;

namespace SystemScope.Kernel.Tests.Dotnet;

/// <summary>
/// <c>systemscope record dotnet</c>, the published binary, against a .NET process started before it
/// with no environment variable: known truth in the GC list, the contention table, the allocation
/// types and graph, and the exceptions; bad input said clearly.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class DotnetRecordTests
{
    private const int Gcs = 5;
    private const int Rounds = 4;
    private const int HoldMs = 150;
    private const int Throws = 3;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [AgentFact]
    public void Record_dotnet_shows_the_known_gcs_contention_allocations_and_exceptions()
    {
        using var workload = RuntimeEventsWorkload.Start();
        using var agent = AgentBinary.StartBackground("record", "dotnet", "--pid", workload.Pid.ToString(), "--duration", "10", "--format", "json");
        agent.WaitForStderr("Recording", Patience);

        Assert.Equal(Gcs, workload.Do($"gc {Gcs}", "collected"));
        var waitedMs = workload.Do($"contend {Rounds} {HoldMs}", "contended");
        workload.Do("alloc 32", "allocated");
        Assert.Equal(Throws, workload.Do($"throw {Throws}", "thrown"));
        Assert.Equal(0, agent.WaitForExit(Patience));

        using var document = JsonDocument.Parse(agent.Stdout);
        var root = document.RootElement;
        var context = agent.ToString();

        var induced = Rows(root, "dotnet.gcs").Where(r => r["reason"].GetString() == "induced").ToList();
        Assert.True(induced.Count == Gcs, context);
        Assert.All(induced, r => Assert.True(r["pause_ms"].GetDouble() > 0, context));

        var contention = Rows(root, "dotnet.contention");
        Assert.True(contention.Count > 0, context);
        var top = contention[0];
        Assert.True(top["method"].GetString()!.Contains("Contender::WaitForGate", StringComparison.Ordinal), context);
        Assert.Equal(Rounds, top["waits"].GetInt64());
        Assert.InRange(top["total_ms"].GetDouble(), waitedMs * 0.9, waitedMs * 1.1);
        Assert.Equal(workload.Pid, top["owner_tid"].GetInt64());

        var types = Rows(root, "dotnet.allocation.types");
        Assert.True(types.Count > 0 && types[0]["type"].GetString() == KnownTruth.AllocatedType, context);
        Assert.Contains(KnownTruth.AllocatedType, root.GetProperty("dotnet.allocations").GetRawText(), StringComparison.Ordinal);

        var exceptions = Rows(root, "dotnet.exceptions").Single(r => r["type"].GetString() == KnownTruth.ExceptionType);
        Assert.Equal(Throws, exceptions["count"].GetInt64());
        Assert.Contains("Thrower::Fail", exceptions["method"].GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("secret message", agent.Stdout, StringComparison.Ordinal);

        Assert.Contains(Rows(root, "dotnet.events"), r => r["kind"].GetString() == "gc" && r["count"].GetInt64() >= Gcs);
    }

    [AgentFact]
    public void A_pid_that_is_not_dotnet_is_refused_with_a_clear_message()
    {
        using var sleeper = System.Diagnostics.Process.Start("sleep", "30")!;
        try
        {
            var result = AgentBinary.Run(Patience, "record", "dotnet", "--pid", sleeper.Id.ToString(), "--duration", "2");
            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("is not a .NET process", result.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            sleeper.Kill();
        }
    }

    [AgentFact]
    public void A_dotnet_process_with_its_port_disabled_is_refused_with_a_clear_message()
    {
        using var workload = RuntimeEventsWorkload.Start(("DOTNET_EnableDiagnostics", "0"));
        var result = AgentBinary.Run(Patience, "record", "dotnet", "--pid", workload.Pid.ToString(), "--duration", "2");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("diagnostic port disabled", result.Stderr, StringComparison.Ordinal);
    }

    [AgentFact]
    public void A_process_that_exits_mid_session_ends_the_recording_cleanly()
    {
        using var workload = RuntimeEventsWorkload.Start();
        using var agent = AgentBinary.StartBackground("record", "dotnet", "--pid", workload.Pid.ToString(), "--duration", "30", "--format", "json");
        agent.WaitForStderr("Recording", Patience);
        workload.Do("gc 2", "collected");
        workload.End();

        // Ends with the process, not after 30 s, and keeps what it saw.
        Assert.Equal(0, agent.WaitForExit(TimeSpan.FromSeconds(20)));
        using var document = JsonDocument.Parse(agent.Stdout);
        Assert.True(Rows(document.RootElement, "dotnet.gcs").Count(r => r["reason"].GetString() == "induced") == 2, agent.ToString());
    }

    /// <summary>A table as the JSON export writes it: rows as objects keyed by column name.</summary>
    private static List<Dictionary<string, JsonElement>> Rows(JsonElement root, string model) =>
        [.. root.GetProperty(model).GetProperty("rows").EnumerateArray().Select(r => r.EnumerateObject().ToDictionary(p => p.Name, p => p.Value))];
}
