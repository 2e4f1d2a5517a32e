using System.Text.Json;
using SystemScope.Core.Models;

namespace SystemScope.Core.Export;

/// <summary>
/// Any model as JSON: its live view, exactly as the API gives it (docs/api.md), with times relative to
/// the session's start. Registered once per model type that has no richer JSON form.
/// </summary>
public sealed class ModelJsonExporter(string modelType) : IModelExporter
{
    public string Format => "json";

    public string ModelType { get; } = modelType;

    public string Description => "the model as the API serves it (docs/api.md)";

    public ExportCombination Combination => ExportCombination.JsonObject;

    public void Write(IModel model, Stream output, long originNs)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        model.Write(json, ModelRequest.Live(originNs));
    }
}
