using System.Text.Json;
using SystemScope.Core.Models;
using SystemScope.Core.Symbols;

namespace SystemScope.Core.Export;

/// <summary>
/// The call tree as nested JSON: <c>{"totalSamples":N,"root":{"name","module","kind","self","total","children":[…]}}</c>,
/// children by descending total. Written with <see cref="Utf8JsonWriter"/> (no reflection, AOT-safe).
/// </summary>
public static class CallTreeJson
{
    public static void Write(CallTree tree, Stream output, bool indented = true)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(output);

        var children = tree.ChildLists();
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = indented, MaxDepth = 4096 });
        json.WriteStartObject();
        json.WriteNumber("totalSamples", tree.TotalSamples);
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
