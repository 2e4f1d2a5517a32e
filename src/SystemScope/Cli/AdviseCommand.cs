using System.CommandLine;
using SystemScope.Composition;
using SystemScope.Core.Errors;
using SystemScope.Core.Tuning;

namespace SystemScope.Cli;

/// <summary><c>systemscope advise</c>: watches the live system for a while and prints findings. Changes nothing; needs no running agent.</summary>
internal static class AdviseCommand
{
    public static Command Create()
    {
        var pid = new Option<int?>("--pid", "-p") { Description = "Only findings about this process (hogs next to it included)" };
        var duration = new Option<double>("--duration", "-d") { Description = "Seconds of evidence to watch", DefaultValueFactory = _ => 10 };
        var format = new Option<string>("--format", "-f") { Description = "table or json", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "json");
        var command = new Command("advise", "Watch the system for --duration seconds and print findings: evidence, expected effect, risk and the proposed actions ('systemscope tune apply ID' applies one). Changes nothing.")
        {
            pid,
            duration,
            format,
        };
        command.SetAction((result, cancel) => RunAsync(result.GetValue(pid), result.GetValue(duration), result.GetValue(format) == "json", cancel));
        return command;
    }

    private static async Task<int> RunAsync(int? pid, double seconds, bool json, CancellationToken cancel)
    {
        try
        {
            TuneCommand.CheckPid(pid);
            using var agent = Agent.Create();
            var tuning = agent.CreateTuning(TuningMode.RecommendOnly, TuneCommand.Who(), Console.Error.WriteLine);
            if (!json)
            {
                Console.Error.WriteLine($"watching for {seconds:0.#} s …");
            }

            var report = await tuning.AdviseAsync(pid, TimeSpan.FromSeconds(seconds), cancel);
            TuningText.Print(report, json);
            return ExitCodes.Success;
        }
        catch (SystemScopeException error)
        {
            return ExitCodes.Report(error);
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Failure;
        }
    }
}
