using System.Text.Json;
using SystemScope.Core.Symbols;

namespace SystemScope.Core.Models.FlameGraph;

/// <summary>Writes flame graphs in the wire's columnar form (docs/api.md, "flamegraph"), AOT-safe.</summary>
public static class FlameGraphJson
{
    /// <summary>The fields of a live update (epoch, version, full, bases, frame and node columns, updated nodes).</summary>
    public static void WriteUpdateFields(Utf8JsonWriter json, FlameGraphUpdate update)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(update);
        json.WriteNumber("epoch", update.Epoch);
        json.WriteNumber("version", update.Version);
        json.WriteBoolean("full", update.Full);
        json.WriteNumber("totalSamples", update.TotalSamples);
        json.WriteNumber("frameBase", update.FrameBase);
        WriteStrings(json, "frameNames", update.FrameNames);
        WriteStrings(json, "frameModules", update.FrameModules);
        WriteStrings(json, "frameRawNames", update.FrameRawNames);
        WriteInts(json, "frameKinds", update.FrameKinds);
        json.WriteNumber("nodeBase", update.NodeBase);
        WriteInts(json, "nodeParents", update.NodeParents);
        WriteInts(json, "nodeFrames", update.NodeFrames);
        WriteLongs(json, "nodeTotals", update.NodeTotals);
        WriteLongs(json, "nodeSelfs", update.NodeSelfs);
        WriteInts(json, "updatedNodes", update.UpdatedNodes);
        WriteLongs(json, "updatedTotals", update.UpdatedTotals);
        WriteLongs(json, "updatedSelfs", update.UpdatedSelfs);
    }

    /// <summary>
    /// A whole tree in the same columns as a full update (so a client loads it the same way), plus a
    /// baseline's values per node for diffs.
    /// </summary>
    public static void WriteRangeFields(Utf8JsonWriter json, CompactTree tree, (long[] Totals, long[] Selfs)? baseline)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(tree);
        var frameIds = new Dictionary<Symbol, int>();
        var frames = new List<Symbol>();
        var nodeFrames = new int[tree.Count];
        for (var i = 0; i < tree.Count; i++)
        {
            if (!frameIds.TryGetValue(tree.Frames[i], out var id))
            {
                id = frames.Count;
                frames.Add(tree.Frames[i]);
                frameIds.Add(tree.Frames[i], id);
            }

            nodeFrames[i] = id;
        }

        json.WriteNumber("epoch", -1);
        json.WriteNumber("version", 0);
        json.WriteBoolean("full", true);
        json.WriteNumber("totalSamples", tree.Total);
        json.WriteNumber("frameBase", 0);
        WriteStrings(json, "frameNames", [.. frames.Select(f => f.Name)]);
        WriteStrings(json, "frameModules", [.. frames.Select(f => f.Module)]);
        WriteStrings(json, "frameRawNames", [.. frames.Select(f => f.RawName)]);
        WriteInts(json, "frameKinds", [.. frames.Select(f => (int)f.Kind)]);
        json.WriteNumber("nodeBase", 0);
        WriteInts(json, "nodeParents", tree.Parents);
        WriteInts(json, "nodeFrames", nodeFrames);
        WriteLongs(json, "nodeTotals", tree.Totals);
        WriteLongs(json, "nodeSelfs", tree.Selfs);
        WriteInts(json, "updatedNodes", []);
        WriteLongs(json, "updatedTotals", []);
        WriteLongs(json, "updatedSelfs", []);
        if (baseline is { } before)
        {
            json.WriteNumber("baselineTotal", before.Totals.Length == 0 ? 0 : before.Totals[0]);
            WriteLongs(json, "baselineTotals", before.Totals);
            WriteLongs(json, "baselineSelfs", before.Selfs);
        }
    }

    private static void WriteStrings(Utf8JsonWriter json, string name, IReadOnlyList<string?> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
        {
            if (value is null)
            {
                json.WriteNullValue();
            }
            else
            {
                json.WriteStringValue(value);
            }
        }

        json.WriteEndArray();
    }

    private static void WriteInts(Utf8JsonWriter json, string name, ReadOnlySpan<int> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteNumberValue(value);
        }

        json.WriteEndArray();
    }

    private static void WriteLongs(Utf8JsonWriter json, string name, ReadOnlySpan<long> values)
    {
        json.WriteStartArray(name);
        foreach (var value in values)
        {
            json.WriteNumberValue(value);
        }

        json.WriteEndArray();
    }
}
