using System.CommandLine;
using System.Globalization;
using SystemScope.Composition;
using SystemScope.Core.Errors;
using SystemScope.Core.Tuning;

namespace SystemScope.Cli;

/// <summary>
/// <c>systemscope tune apply|list|rollback|tunables</c>. Acts locally through the same journal as the
/// agent (the journal's lock keeps both consistent), so no running agent is needed; the command stays
/// until the verdict, and Ctrl+C before it restores the change.
/// </summary>
internal static class TuneCommand
{
    public static Command Create()
    {
        var command = new Command("tune", "Apply a finding's action and verify it (keep or roll back), list the journal, roll back, list the declared tunables.")
        {
            Apply(),
            List(),
            Rollback(),
            Tunables(),
        };
        return command;
    }

    public static string Who() =>
        (Environment.GetEnvironmentVariable("SUDO_USER") is { Length: > 0 } sudo ? sudo : Environment.UserName) + " via cli";

    public static void CheckPid(int? pid)
    {
        if (pid is { } p && (p <= 0 || !Directory.Exists("/proc/" + p.ToString(CultureInfo.InvariantCulture))))
        {
            throw new NotFoundException("no-such-process", $"process {pid} does not exist (has it exited?)");
        }
    }

    private static Command Apply()
    {
        var id = new Argument<string?>("ID") { Description = "The finding id 'systemscope advise' printed", Arity = ArgumentArity.ZeroOrOne };
        var action = new Option<string?>("--action") { Description = "Which of the finding's actions (default: the first)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the exact changes and the values they replace; change nothing" };
        var allow = new Option<bool>("--allow-tuning") { Description = "Really change the system (without it only --dry-run works)" };
        var pid = new Option<int?>("--pid", "-p") { Description = "Watch findings about this process only" };
        var duration = new Option<double>("--duration", "-d") { Description = "Seconds of evidence to re-find the finding in", DefaultValueFactory = _ => 5 };
        var window = new Option<double>("--window") { Description = "Seconds per verification window", DefaultValueFactory = _ => 2 };
        var windows = new Option<int>("--windows") { Description = "Windows measured before and after the change", DefaultValueFactory = _ => 5 };
        var tunable = new Option<string?>("--tunable") { Description = "Set a declared tunable directly instead of a finding's action (with --target, --value, --metric)" };
        var target = new Option<string?>("--target") { Description = "pid:PID, netns:PID (the namespace of PID), cgroup:/path, system, device:NAME or cpu:NAME" };
        var value = new Option<string?>("--value") { Description = "The value to set" };
        var metric = new Option<string?>("--metric") { Description = "What judges a direct change: runqlat-p99:PID or listen-overflows:PID (lower is better)" };
        var json = new Option<bool>("--json") { Description = "Print the journal entry as JSON" };
        var command = new Command("apply", "Re-find a finding, apply its action, watch the metric it targets and keep the change or roll it back.")
        {
            id, action, dryRun, allow, pid, duration, window, windows, tunable, target, value, metric, json,
        };
        command.SetAction((r, cancel) => Guard(async () =>
        {
            CheckPid(r.GetValue(pid));
            using var agent = Agent.Create();
            var tuning = agent.CreateTuning(r.GetValue(allow) ? TuningMode.Apply : TuningMode.Off, Who(), Console.Error.WriteLine);
            var verify = new VerifyOptions(TimeSpan.FromSeconds(r.GetValue(window)), r.GetValue(windows));
            var evidence = TimeSpan.FromSeconds(r.GetValue(duration));
            JournalEntry entry;
            if (r.GetValue(tunable) is { } name)
            {
                var change = new ProposedChange(name, ParseTarget(r.GetValue(target)), r.GetValue(value) ?? throw new InvalidRequestException("--tunable needs --value"));
                if (r.GetValue(dryRun))
                {
                    var tunableDef = tuning.Engine.Tunables.Get(name);
                    TuningText.Print(tuning.Engine.DryRun(new Finding("manual", "manual", "manual", FindingLayer.Kernel, [], string.Empty, string.Empty, []),
                        new ProposedAction("set", tunableDef.Id, [change], new MetricSpec(r.GetValue(metric) ?? "none", r.GetValue(metric) ?? "none", string.Empty, 0))), r.GetValue(json));
                    return ExitCodes.Success;
                }

                entry = await tuning.ApplyManualAsync(change, r.GetValue(metric) ?? throw new InvalidRequestException("--tunable needs --metric (what judges the change)"), true, verify, Who(), Console.Error.WriteLine, cancel);
            }
            else
            {
                var findingId = r.GetValue(id) ?? throw new InvalidRequestException("name the finding to apply: 'systemscope tune apply ID' (ids come from 'systemscope advise')");
                if (r.GetValue(dryRun))
                {
                    TuningText.Print(await tuning.DryRunAsync(findingId, r.GetValue(action), r.GetValue(pid), evidence, cancel), r.GetValue(json));
                    return ExitCodes.Success;
                }

                entry = await tuning.ApplyAsync(findingId, r.GetValue(action), r.GetValue(pid), evidence, verify, Who(), Console.Error.WriteLine, cancel);
            }

            TuningText.Print(entry, r.GetValue(json));
            return entry.State == ActionState.Kept ? ExitCodes.Success : ExitCodes.Failure;
        }));
        return command;
    }

    private static Command List()
    {
        var json = new Option<bool>("--json") { Description = "The whole journal as JSON" };
        var command = new Command("list", "The tuning journal: every action, its values before and after, its metric windows and verdict.") { json };
        command.SetAction(r => Guard(() =>
        {
            using var agent = Agent.Create();
            var tuning = agent.CreateTuning(TuningMode.Off, Who(), Console.Error.WriteLine);
            var entries = tuning.Engine.Journal.Read();
            if (r.GetValue(json))
            {
                Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new JournalDocument(1, [.. entries]), TuningJson.Default.JournalDocument));
            }
            else if (entries.Count == 0)
            {
                Console.WriteLine($"the tuning journal {tuning.Engine.Journal.Path} is empty");
            }

            foreach (var entry in r.GetValue(json) ? [] : entries)
            {
                TuningText.Print(entry, false);
            }

            return Task.FromResult(ExitCodes.Success);
        }));
        return command;
    }

    private static Command Rollback()
    {
        var id = new Argument<string>("ID") { Description = "An action id from 'systemscope tune list', or a finding id (its newest kept action)" };
        var command = new Command("rollback", "Restore the values an action replaced (writes back exactly what was read before it).") { id };
        command.SetAction(r => Guard(() =>
        {
            using var agent = Agent.Create();
            var tuning = agent.CreateTuning(TuningMode.Off, Who(), Console.Error.WriteLine);
            TuningText.Print(tuning.Engine.Rollback(r.GetValue(id)!, Who()), false);
            return Task.FromResult(ExitCodes.Success);
        }));
        return command;
    }

    private static Command Tunables()
    {
        var command = new Command("tunables", "The declared tunables: the only settings tuning ever writes, with scope and allowed values.");
        command.SetAction(_ => Guard(() =>
        {
            using var agent = Agent.Create();
            foreach (var t in agent.CreateTuning(TuningMode.Off, Who()).Engine.Tunables.All)
            {
                Console.WriteLine($"{t.Id,-40} {t.Kind.ToString().ToLowerInvariant(),-18} {t.Scope.ToString().ToLowerInvariant(),-17} {t.Range}  — {t.Description}");
            }

            return Task.FromResult(ExitCodes.Success);
        }));
        return command;
    }

    private static TunableTarget ParseTarget(string? text)
    {
        var value = text ?? throw new InvalidRequestException("--tunable needs --target: pid:PID, netns:PID, cgroup:/path, system, device:NAME or cpu:NAME");
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        var (kind, rest) = colon < 0 ? (value, string.Empty) : (value[..colon], value[(colon + 1)..]);
        int Pid()
        {
            var pid = int.TryParse(rest, NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : throw new InvalidRequestException($"--target {value}: '{rest}' is not a process id");
            CheckPid(pid);
            return pid;
        }

        return kind switch
        {
            "pid" => TunableTarget.Process(Pid()),
            "netns" => Pid() is var pid && new Sources.Tuning.LinuxNetworkNamespaces("/proc").InodeOf(pid) is { } inode ? TunableTarget.NetworkNamespace(inode, pid) : throw new NotFoundException("no-such-process", $"process {rest} has exited"),
            "cgroup" when rest.StartsWith('/') => TunableTarget.Cgroup(rest),
            "system" => TunableTarget.System(),
            "device" or "cpu" when rest.Length > 0 => TunableTarget.System(rest),
            _ => throw new InvalidRequestException($"--target '{value}' is not one of pid:PID, netns:PID, cgroup:/path, system, device:NAME, cpu:NAME"),
        };
    }

    private static async Task<int> Guard(Func<Task<int>> run)
    {
        try
        {
            return await run();
        }
        catch (SystemScopeException error)
        {
            return ExitCodes.Report(error);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("systemscope: interrupted: anything applied and not yet judged was restored");
            return ExitCodes.Failure;
        }
    }
}
