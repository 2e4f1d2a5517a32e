using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using SystemScope.Composition;
using SystemScope.Core.Analyses;
using SystemScope.Core.Errors;
using SystemScope.Core.Export;
using SystemScope.Core.Sessions;

namespace SystemScope.Cli;

/// <summary><c>systemscope record cpu</c>: profile for a while and print the call tree.</summary>
internal static class RecordCommand
{
    private static readonly TimeSpan MaxDuration = TimeSpan.FromDays(1);

    public static Command Create()
    {
        var pid = new Option<int?>("--pid", "-p") { Description = "Profile this process (all its threads); default: every process, with the process name as the root frame" };
        var duration = new Option<double?>("--duration", "-d") { Description = "Seconds to record; default: until Ctrl+C or until the process exits" };
        var frequency = new Option<int>("--frequency", "-F")
        {
            Description = $"Samples per second per CPU ({SessionSpec.MinFrequencyHz}-{SessionSpec.MaxFrequencyHz})",
            DefaultValueFactory = _ => SessionSpec.DefaultFrequencyHz,
        };
        var format = new Option<string>("--format", "-f")
        {
            Description = "folded: Brendan Gregg's folded stacks (frame;frame;frame count, root first; kernel frames end in _[k], JIT frames in _[j]); json: the same call tree as nested JSON",
            DefaultValueFactory = _ => "folded",
        };
        format.AcceptOnlyFromAmong("folded", "json");
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write to this file instead of standard output" };
        var includeAgent = new Option<bool>("--include-agent") { Description = "Also profile SystemScope itself (left out by default)" };

        var cpu = new Command("cpu", "Sample on-CPU stacks (kernel and user) of one process or of all processes.")
        {
            pid, duration, frequency, format, output, includeAgent,
        };
        cpu.SetAction((result, cancel) => RunAsync(
            new RecordRequest(result.GetValue(pid), result.GetValue(duration), result.GetValue(frequency), result.GetValue(format)!, result.GetValue(output), result.GetValue(includeAgent)),
            cancel));

        return new Command("record", "Record from a source for a while and print the result (progress and errors go to standard error).")
        {
            cpu,
        };
    }

    private static async Task<int> RunAsync(RecordRequest request, CancellationToken cancel)
    {
        try
        {
            var spec = request.ToSpec();
            var length = request.Length();
            using var agent = Agent.Create();
            var session = agent.Sessions.Start(spec);
            var profile = session.Analysis<CpuProfileAnalysis>()!;
            Console.Error.WriteLine(
                $"Recording on-CPU stacks of {Describe(spec.Target, agent)} at {spec.FrequencyHz} Hz " +
                (length is { } l ? $"for {l.TotalSeconds:0.###} s" : "until Ctrl+C") + "…");

            var clock = Stopwatch.StartNew();
            var ended = await WaitAsync(session, length, cancel);
            agent.Sessions.Stop(session.Id); // final drain: nothing sampled before this point is lost
            var snapshot = session.Snapshot();

            await WriteAsync(profile, request.Format, request.Output);
            Console.Error.WriteLine(
                $"{snapshot.ProfileSamples} samples in {clock.Elapsed.TotalSeconds:0.0} s, {snapshot.LostSamples} lost" +
                (ended == Ending.TargetExited ? $"; process {spec.Target.Pid} exited, the profile covers it until then" : string.Empty) +
                (request.Output is { } file ? $"; written to {file.FullName}" : string.Empty));
            return ExitCodes.Success;
        }
        catch (SystemScopeException error)
        {
            return ExitCodes.Report(error);
        }
    }

    private enum Ending
    {
        DurationElapsed,
        Interrupted,
        TargetExited,
    }

    private static async Task<Ending> WaitAsync(Session session, TimeSpan? length, CancellationToken cancel)
    {
        var deadline = length is { } l ? Stopwatch.GetTimestamp() + (long)(l.TotalSeconds * Stopwatch.Frequency) : long.MaxValue;
        while (true)
        {
            if (session.TargetExited)
            {
                return Ending.TargetExited;
            }

            var remaining = (deadline - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency;
            if (remaining <= 0)
            {
                return Ending.DurationElapsed;
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(remaining, 100)), cancel);
            }
            catch (OperationCanceledException)
            {
                return Ending.Interrupted;
            }
        }
    }

    private static async Task WriteAsync(CpuProfileAnalysis profile, string format, FileInfo? output)
    {
        await using var stream = output is null ? Console.OpenStandardOutput() : File.Create(output.FullName);
        if (format == "json")
        {
            profile.Read(tree =>
            {
                CallTreeJson.Write(tree, stream);
                return 0;
            });
            stream.WriteByte((byte)'\n');
            return;
        }

        await using var writer = new StreamWriter(stream) { NewLine = "\n" };
        profile.Read(tree =>
        {
            FoldedStacks.Write(tree, writer);
            return 0;
        });
    }

    private static string Describe(ProcessTarget target, Agent agent) =>
        target.Pid is { } pid
            ? $"pid {pid} ({agent.Processes.List().FirstOrDefault(p => p.Pid == pid)?.Name ?? "?"})"
            : "all processes";

    private sealed record RecordRequest(int? Pid, double? DurationSeconds, int FrequencyHz, string Format, FileInfo? Output, bool IncludeAgent)
    {
        public SessionSpec ToSpec()
        {
            if (Pid is <= 0)
            {
                throw new InvalidRequestException($"--pid {Pid} is not a process id: give a positive pid, or leave it out to profile every process");
            }

            var spec = new SessionSpec
            {
                Sources = ["cpu"],
                Target = Pid is { } pid ? ProcessTarget.Process(pid) : ProcessTarget.AllProcesses,
                FrequencyHz = FrequencyHz,
                IncludeAgent = IncludeAgent,
            };
            spec.Validate();
            return spec;
        }

        public TimeSpan? Length()
        {
            if (DurationSeconds is not { } seconds)
            {
                return null;
            }

            return double.IsFinite(seconds) && seconds > 0 && seconds <= MaxDuration.TotalSeconds
                ? TimeSpan.FromSeconds(seconds)
                : throw new InvalidRequestException(
                    $"--duration {seconds.ToString(CultureInfo.InvariantCulture)} is out of range: give seconds above 0 and at most {MaxDuration.TotalSeconds:0}");
        }
    }
}
