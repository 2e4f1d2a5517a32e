using SystemScope.Core.Models;

namespace SystemScope.Core.Export;

/// <summary>How several models in one output are put together by the command line.</summary>
public enum ExportCombination : byte
{
    /// <summary>One model per output (folded stacks): the user picks which with <c>--model</c>.</summary>
    Single,

    /// <summary>A JSON object with one property per model id.</summary>
    JsonObject,

    /// <summary>One section per model, each under a heading line.</summary>
    Sections,
}

/// <summary>
/// Writes one model type in one format (folded stacks of a flame graph, a table as text, any model
/// as JSON). Registered per (model type, format) in the composition root, one line each; the CLI's
/// <c>--format</c> offers what the session's model types support.
/// </summary>
public interface IModelExporter
{
    /// <summary>The <c>--format</c> name: <c>folded</c>, <c>json</c>, <c>table</c>.</summary>
    string Format { get; }

    /// <summary>The model type it writes (<see cref="ModelDescriptor.Type"/>).</summary>
    string ModelType { get; }

    string Description { get; }

    ExportCombination Combination { get; }

    /// <summary>Writes the model's live view (everything retained) to <paramref name="output"/>; times relative to <paramref name="originNs"/>.</summary>
    void Write(IModel model, Stream output, long originNs);
}

/// <summary>The exporters of an agent, by model type and format.</summary>
public sealed class ExporterRegistry(IEnumerable<IModelExporter> exporters)
{
    private readonly IReadOnlyList<IModelExporter> _exporters = [.. exporters];

    public IReadOnlyList<IModelExporter> All => _exporters;

    public IModelExporter? Find(string modelType, string format) =>
        _exporters.FirstOrDefault(e => e.ModelType == modelType && e.Format == format);

    /// <summary>Formats offered for a model type.</summary>
    public IReadOnlyList<string> FormatsFor(string modelType) =>
        [.. _exporters.Where(e => e.ModelType == modelType).Select(e => e.Format).Distinct()];

    public IReadOnlyList<string> Formats => [.. _exporters.Select(e => e.Format).Distinct().Order(StringComparer.Ordinal)];
}
