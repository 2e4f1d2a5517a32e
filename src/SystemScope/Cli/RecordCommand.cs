using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using SystemScope.Composition;
using SystemScope.Core.Errors;
using SystemScope.Core.Export;
using SystemScope.Core.Models;
using SystemScope.Core.Models.FlameGraph;
using SystemScope.Core.Options;
using SystemScope.Core.Sessions;
using SystemScope.Core.Sources;
using SystemScope.Sources.Processes;

namespace SystemScope.Cli;

/// <summary>
/// <c>systemscope record SOURCE[,SOURCE…] [options]</c>: records from any sources for a while (or
/// until Ctrl+C, or until the processes exit) and prints their models in a format their types
/// support. Every source option is a flag, made from the source's own declaration.
/// </summary>
internal static class RecordCommand
{
    private static readonly TimeSpan MaxDuration = TimeSpan.FromDays(1);

    public static Command Create()
    {
        var providers = Agent.SourceProviders().Where(p => !p.Descriptor.Implicit).ToList();
        var presets = Agent.Presets;
        var names = providers.Select(p => p.Descriptor.Id).Concat(presets.Select(p => p.Id)).ToList();

        var sources = new Argument<string?>("sources")
        {
            Description = $"What to record, comma-separated: {string.Join(", ", names)}",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var generic = new RecordOptions();
        var command = new Command("record", RecordHelp(providers, presets)) { sources };
        foreach (var option in generic.All)
        {
            command.Options.Add(option);
        }

        // One flag per source option name; a name several sources declare applies to each of them.
        var sourceFlags = new Dictionary<string, Option<string>>(StringComparer.Ordinal);
        foreach (var group in providers.SelectMany(p => p.Descriptor.Options.Select(o => (Provider: p, Option: o))).GroupBy(x => x.Option.Name, StringComparer.Ordinal))
        {
            var first = group.First().Option;
            var owners = string.Join(", ", group.Select(x => x.Provider.Descriptor.Id));
            var flag = new Option<string>(first.Flag) { Description = $"[{owners}] {first.Description} ({Range(first)})" };
            RecordOptions.NeedsAValue(flag);
            sourceFlags[group.Key] = flag;
            command.Options.Add(flag);
        }

        command.SetAction((result, cancel) =>
        {
            var given = sourceFlags
                .Where(f => result.GetResult(f.Value) is not null)
                .ToDictionary(f => f.Key, f => result.GetValue(f.Value) ?? string.Empty, StringComparer.Ordinal);
            return RunAsync(result.GetValue(sources), generic.Read(result), given, cancel);
        });
        return command;
    }

    private static async Task<int> RunAsync(string? sourceList, RecordArguments arguments, IReadOnlyDictionary<string, string> sourceOptions, CancellationToken cancel)
    {
        try
        {
            var plan = RecordPlan.Create(sourceList, arguments, sourceOptions);
            var length = arguments.Length(MaxDuration);
            using var output = OpenOutput(arguments.Output);
            using var agent = Agent.Create(arguments.InlineFrames);
            var session = agent.Sessions.Start(plan.Spec);
            var models = plan.ChooseModels(session.Models, out var notPrinted);
            Console.Error.WriteLine(
                $"Recording {plan.Describe(session)} of {Describe(plan.Spec.Filter, agent)} " +
                (length is { } l ? $"for {l.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s" : "until Ctrl+C") +
                (plan.Spec.Filter.Pids.Count > 0 ? " or until the process exits" : string.Empty) + "…");

            var clock = Stopwatch.StartNew();
            var ended = await WaitAsync(session, length, cancel);
            agent.Sessions.Stop(session.Id, ended.ToString()); // final drain: nothing collected before this point is lost
            var snapshot = agent.Sessions.Snapshot(session.Id);

            await WriteAsync(models, plan.Format, output, session.OriginNs);
            Console.Error.WriteLine(Summary(snapshot, clock.Elapsed, ended, plan.Spec.Filter, arguments.Output));
            foreach (var hint in EmptyHints(models, plan.Spec.Filter, agent))
            {
                Console.Error.WriteLine(hint);
            }

            if (notPrinted.Count > 0)
            {
                Console.Error.WriteLine($"also recorded, not printed as {plan.Format}: {string.Join(", ", notPrinted)} (choose with --model and --format)");
            }
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
        // A timer, not arithmetic on a deadline: "forever" must stay forever, not overflow into the past.
        using var elapsed = length is { } l ? new CancellationTokenSource(l) : new CancellationTokenSource();
        using var either = CancellationTokenSource.CreateLinkedTokenSource(cancel, elapsed.Token);
        while (true)
        {
            if (session.TargetExited)
            {
                return Ending.TargetExited;
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), either.Token);
            }
            catch (OperationCanceledException)
            {
                return cancel.IsCancellationRequested ? Ending.Interrupted : Ending.DurationElapsed;
            }
        }
    }

    /// <summary>Opens (creates) the output before recording, so a bad path fails at once, not after the whole duration.</summary>
    private static Stream? OpenOutput(string? path)
    {
        if (path is null)
        {
            return null;
        }

        try
        {
            return new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            var reason = ex switch
            {
                DirectoryNotFoundException => $"its directory {Path.GetDirectoryName(Path.GetFullPath(path))} does not exist",
                UnauthorizedAccessException => "permission denied",
                _ => ex.Message,
            };
            throw new InvalidRequestException($"--output {path}: cannot write there: {reason}");
        }
    }

    private static async Task WriteAsync(IReadOnlyList<(IModel Model, IModelExporter Exporter)> models, string format, Stream? file, long originNs)
    {
        var output = file ?? Console.OpenStandardOutput();
        try
        {
            if (models.Count == 1)
            {
                models[0].Exporter.Write(models[0].Model, output, originNs);
                if (format == "json")
                {
                    output.WriteByte((byte)'\n');
                }

                return;
            }

            switch (models[0].Exporter.Combination)
            {
                case ExportCombination.JsonObject:
                    using (var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true, MaxDepth = 4096 }))
                    {
                        json.WriteStartObject();
                        foreach (var (model, exporter) in models)
                        {
                            using var one = new MemoryStream();
                            exporter.Write(model, one, originNs);
                            json.WritePropertyName(model.Descriptor.Id);
                            // Our own JSON, as deep as the deepest stack: the reader that would check it stops at 64 levels.
                            json.WriteRawValue(one.ToArray(), skipInputValidation: true);
                        }

                        json.WriteEndObject();
                    }

                    output.WriteByte((byte)'\n');
                    break;
                default:
                    foreach (var (model, exporter) in models)
                    {
                        var heading = System.Text.Encoding.UTF8.GetBytes($"# {model.Descriptor.Id}: {model.Descriptor.Title} ({model.Descriptor.Unit})\n");
                        output.Write(heading);
                        exporter.Write(model, output, originNs);
                        output.WriteByte((byte)'\n');
                    }

                    break;
            }
        }
        finally
        {
            await output.FlushAsync();
            if (file is null)
            {
                await output.DisposeAsync();
            }
        }
    }

    private static string Summary(SessionSnapshot snapshot, TimeSpan elapsed, Ending ended, ProcessFilter filter, string? output)
    {
        var parts = snapshot.Sources
            .Where(s => !s.Implicit)
            .Select(s =>
            {
                var events = s.Counters.FirstOrDefault(c => c.Kind == CounterKind.Events);
                var lost = s.Counters.Where(c => c.Kind == CounterKind.Lost).Sum(c => c.Value);
                return $"{s.Id}: {events.Value} {events.Name}, {lost} lost";
            });
        return $"{string.Join("; ", parts)} in {elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s" +
            (ended == Ending.TargetExited ? $"; {filter} exited, the recording covers it until then" : string.Empty) +
            (ended == Ending.Interrupted ? "; interrupted, everything collected until then is written" : string.Empty) +
            (output is { } file ? $"; written to {Path.GetFullPath(file)}" : string.Empty);
    }

    /// <summary>Why a recording of named processes came out empty, when it did: a kernel thread, or a process that never ran.</summary>
    private static IEnumerable<string> EmptyHints(IReadOnlyList<(IModel Model, IModelExporter Exporter)> models, ProcessFilter filter, Agent agent)
    {
        if (filter.Pids.Count == 0 || models.Any(m => m.Model is not FlameGraphModel graph || graph.Total > 0))
        {
            yield break;
        }

        foreach (var pid in filter.Pids)
        {
            var name = agent.Processes.List().FirstOrDefault(p => p.Pid == pid)?.Name ?? "?";
            yield return KernelThreads.Is(pid)
                ? $"note: pid {pid} ({name}) is a kernel thread: it has no user stack, and it did not run while recording (kernel threads mostly sleep)"
                : $"note: nothing was recorded for pid {pid} ({name}): it did not run on a CPU while recording (idle or blocked — try 'record offcpu')";
        }
    }

    private static string Describe(ProcessFilter filter, Agent agent) =>
        filter.SinglePid is { } pid
            ? $"pid {pid} ({agent.Processes.List().FirstOrDefault(p => p.Pid == pid)?.Name ?? "?"})"
            : filter.ToString();

    private static string Range(SourceOption option) => option switch
    {
        IntegerOption i => $"{i.Min}-{i.Max}{(i.Unit is null ? string.Empty : " " + i.Unit)}, default {i.Default}",
        NumberOption n => $"{n.Format(n.Min)}-{n.Format(n.Max)}{(n.Unit is null ? string.Empty : " " + n.Unit)}, default {n.Format(n.Default)}",
        BooleanOption b => $"true or false, default {b.Format(b.Default)}",
        ChoicesOption c => $"any of {string.Join(",", c.Choices)}, default {c.Format(c.Default)}",
        NamesOption names => $"comma-separated names such as {names.Example}, default all",
        _ => "see the source",
    };

    private static string RecordHelp(IReadOnlyList<ISourceProvider> providers, IReadOnlyList<RecordPreset> presets)
    {
        var lines = new List<string> { "Record from one or more sources for a while and print their models (progress and errors go to standard error).", string.Empty, "Sources:" };
        lines.AddRange(providers.Select(p => $"  {p.Descriptor.Id,-10} {p.Descriptor.Title}"));
        if (presets.Count > 0)
        {
            lines.Add("Presets:");
            lines.AddRange(presets.Select(p => $"  {p.Id,-10} {p.Description} ({string.Join(",", p.Sources)})"));
        }

        lines.Add(string.Empty);
        lines.Add("Formats: " + string.Join(", ", Agent.Exporters.All.Select(e => $"{e.Format} ({e.ModelType})").Distinct()));
        return string.Join('\n', lines);
    }
}
