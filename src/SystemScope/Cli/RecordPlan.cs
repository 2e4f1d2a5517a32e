using SystemScope.Composition;
using SystemScope.Core.Errors;
using SystemScope.Core.Export;
using SystemScope.Core.Models;
using SystemScope.Core.Options;
using SystemScope.Core.Sessions;

namespace SystemScope.Cli;

/// <summary>What a <c>record</c> command line asks for: the session to start and how to print its models.</summary>
internal sealed class RecordPlan
{
    private RecordPlan(SessionSpec spec, string? format, string? model)
    {
        Spec = spec;
        RequestedFormat = format;
        RequestedModel = model;
    }

    public SessionSpec Spec { get; }

    /// <summary>The format chosen once the models are known.</summary>
    public string Format { get; private set; } = string.Empty;

    private string? RequestedFormat { get; }

    private string? RequestedModel { get; }

    public static RecordPlan Create(string? sourceList, RecordArguments arguments, IReadOnlyDictionary<string, string> sourceOptions)
    {
        var providers = Agent.SourceProviders().Where(p => !p.Descriptor.Implicit).ToDictionary(p => p.Descriptor.Id, StringComparer.Ordinal);
        var names = providers.Keys.Concat(Agent.Presets.Select(p => p.Id)).ToList();
        if (string.IsNullOrWhiteSpace(sourceList))
        {
            throw new InvalidRequestException($"name what to record, for example 'systemscope record cpu --pid 1234 --duration 5'. Sources: {string.Join(", ", names)}");
        }

        var ids = new List<string>();
        var model = arguments.Model;
        foreach (var name in sourceList.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (Agent.Presets.FirstOrDefault(p => p.Id == name) is { } preset)
            {
                ids.AddRange(preset.Sources);
                model ??= preset.Model;
            }
            else if (providers.ContainsKey(name))
            {
                ids.Add(name);
            }
            else
            {
                var hint = Suggest.Closest(name, names) is { } close ? $" — did you mean '{close}'?" : string.Empty;
                throw new InvalidRequestException($"unknown source '{name}'{hint} Sources: {string.Join(", ", names)}");
            }
        }

        ids = [.. ids.Distinct(StringComparer.Ordinal)];
        var bySource = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var (name, value) in sourceOptions)
        {
            var owners = ids.Where(id => providers[id].Descriptor.Options.Any(o => o.Name == name)).ToList();
            if (owners.Count == 0)
            {
                var declaredBy = providers.Values.Where(p => p.Descriptor.Options.Any(o => o.Name == name)).Select(p => p.Descriptor.Id);
                throw new InvalidRequestException(
                    $"--{SourceOptionFlag(name)} is an option of {string.Join(", ", declaredBy)}, which is not being recorded (recording {string.Join(", ", ids)})");
            }

            foreach (var owner in owners)
            {
                var options = bySource.TryGetValue(owner, out var existing) ? new Dictionary<string, string>(existing) : new Dictionary<string, string>(StringComparer.Ordinal);
                options[name] = value;
                bySource[owner] = options;
            }
        }

        var spec = new SessionSpec
        {
            Sources = [.. ids.Select(id => SourceRequest.Named(id) with { TextOptions = bySource.GetValueOrDefault(id) ?? new Dictionary<string, string>() })],
            Filter = arguments.Filter(),
            IncludeAgent = arguments.IncludeAgent,
            Lease = SessionLease.Owned,
        };
        if (arguments.Window() is { } window)
        {
            spec = spec with { Window = window };
        }

        if (arguments.Format is { } format && !Agent.Exporters.Formats.Contains(format, StringComparer.Ordinal))
        {
            throw new InvalidRequestException($"--format {format} is not a format: use {string.Join(", ", Agent.Exporters.Formats)}");
        }

        spec.Validate();
        return new RecordPlan(spec, arguments.Format, model);
    }

    /// <summary>
    /// The models to print and their exporters. Without <c>--format</c>, the first format of the primary
    /// model is used; models the format cannot hold are left out (named in <paramref name="notPrinted"/>),
    /// and a format that holds one model prints the primary one unless <c>--model</c> says otherwise.
    /// </summary>
    public IReadOnlyList<(IModel Model, IModelExporter Exporter)> ChooseModels(IReadOnlyList<IModel> models, out IReadOnlyList<string> notPrinted)
    {
        var exporters = Agent.Exporters;
        var candidates = models.Where(m => exporters.FormatsFor(m.Descriptor.Type).Count > 0).ToList();
        if (RequestedModel is { } id)
        {
            candidates = [candidates.FirstOrDefault(m => m.Descriptor.Id == id)
                ?? throw new InvalidRequestException($"--model {id} is not one of this recording's models: {string.Join(", ", models.Select(m => m.Descriptor.Id))}")];
        }

        if (candidates.Count == 0)
        {
            throw new InvalidRequestException($"nothing to print: the recording's models ({string.Join(", ", models.Select(m => m.Descriptor.Id))}) have no export format");
        }

        var primary = candidates.FirstOrDefault(m => m.Descriptor.Primary) ?? candidates[0];
        var format = RequestedFormat ?? exporters.FormatsFor(primary.Descriptor.Type)[0];
        if (RequestedFormat is null && exporters.Find(primary.Descriptor.Type, format)!.Combination == ExportCombination.Single &&
            candidates.Count(m => m.Descriptor.Primary && exporters.Find(m.Descriptor.Type, format) is not null) > 1)
        {
            // Several graphs, none chosen: print them all rather than refuse.
            format = "json";
        }
        // The primary models first: the syscall table before the timeline's breakdown.
        var printable = candidates.Where(m => exporters.Find(m.Descriptor.Type, format) is not null).OrderBy(m => m.Descriptor.Primary ? 0 : 1).ToList();
        if (printable.Count == 0)
        {
            throw new InvalidRequestException(
                $"--format {format} does not fit {string.Join(", ", candidates.Select(m => $"{m.Descriptor.Id} ({m.Descriptor.Type}: {string.Join(", ", exporters.FormatsFor(m.Descriptor.Type))})"))}");
        }

        if (printable.Count > 1 && exporters.Find(printable[0].Descriptor.Type, format)!.Combination == ExportCombination.Single)
        {
            var primaries = printable.Where(m => m.Descriptor.Primary).ToList();
            if (primaries.Count != 1)
            {
                throw new InvalidRequestException(
                    $"--format {format} prints one model and this recording has {printable.Count}: choose one with --model ({string.Join(", ", printable.Select(m => m.Descriptor.Id))}), or use --format json");
            }

            printable = primaries;
        }

        Format = format;
        notPrinted = [.. models.Where(m => !printable.Contains(m) && (RequestedModel is null || m.Descriptor.Id == RequestedModel)).Select(m => m.Descriptor.Id)];
        return [.. printable.Select(m => (m, exporters.Find(m.Descriptor.Type, format)!))];
    }

    /// <summary>What is being recorded, for the progress line: <c>cpu (frequency=999), offcpu</c>.</summary>
    public string Describe(Session session) =>
        string.Join(", ", session.Sources.Where(s => !s.Descriptor.Implicit).Select(s =>
            s.Options.Describe() is { Length: > 0 } options ? $"{s.Descriptor.Id} ({options})" : s.Descriptor.Id));

    private static string SourceOptionFlag(string name) => string.Concat(name.Select(c => char.IsUpper(c) ? "-" + char.ToLowerInvariant(c) : c.ToString()));
}
