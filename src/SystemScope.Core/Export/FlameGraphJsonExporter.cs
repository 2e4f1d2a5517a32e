using System.Text.Json;
using SystemScope.Core.Models;
using SystemScope.Core.Models.FlameGraph;
using SystemScope.Core.Symbols;

namespace SystemScope.Core.Export;

/// <summary>
/// A flame graph as nested JSON: <c>{"model","unit","total","root":{"name","module","kind","self","total","children":[…]}}</c>,
/// children by descending total. Written with <see cref="Utf8JsonWriter"/> (no reflection, AOT-safe).
/// </summary>
public sealed class FlameGraphJsonExporter : IModelExporter
{
    public string Format => "json";

    public string ModelType => FlameGraphModel.TypeName;

    public string Description => "the call tree as nested JSON (name, module, kind, self, total, children)";

    public ExportCombination Combination => ExportCombination.JsonObject;

    public void Write(IModel model, Stream output, long originNs)
    {
        ArgumentNullException.ThrowIfNull(output);
        var flameGraph = (FlameGraphModel)model;
        flameGraph.Read(tree =>
        {
            Write(tree, flameGraph.Descriptor, output);
            return 0;
        });
    }

    public static void Write(CallTree tree, ModelDescriptor descriptor, Stream output, bool indented = true)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(output);

        var children = tree.ChildLists();
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = indented, MaxDepth = 4096 });
        json.WriteStartObject();
        json.WriteString("model", descriptor.Id);
        json.WriteString("unit", descriptor.Unit);
        json.WriteNumber("total", tree.TotalSamples);
        json.WritePropertyName("root");
        WriteNode(json, tree, children, CallTree.RootNode);
        json.WriteEndObject();
    }

    public static string KindName(FrameKind kind) => kind switch
    {
        FrameKind.Root => "root",
        FrameKind.Process => "process",
        FrameKind.Kernel => "kernel",
        FrameKind.Native => "native",
        FrameKind.Jit => "jit",
        FrameKind.State => "state",
        FrameKind.Gpu => "gpu",
        _ => "unknown",
    };

    private static void WriteNode(Utf8JsonWriter json, CallTree tree, IReadOnlyList<int>[] children, int node)
    {
        var frame = tree.Frame(node);
        json.WriteStartObject();
        json.WriteString("name", frame.Name);
        if (frame.Module is not null)
        {
            json.WriteString("module", frame.Module);
        }

        json.WriteString("kind", KindName(frame.Kind));
        json.WriteNumber("self", tree.Self(node));
        json.WriteNumber("total", tree.Total(node));
        json.WriteStartArray("children");
        foreach (var child in children[node].OrderByDescending(tree.Total).ThenBy(c => tree.Frame(c).Name, StringComparer.Ordinal))
        {
            WriteNode(json, tree, children, child);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }
}
