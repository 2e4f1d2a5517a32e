using System.Text.Json;
using SystemScope.Core.Models;

namespace SystemScope.Core.Tests;

internal static class ModelJson
{
    /// <summary>What the API would answer for this request (parameters as in a URL query).</summary>
    public static JsonElement Query(IModel model, long origin = 0, string? cursor = null, params (string Name, string Value)[] parameters) =>
        Query(model, out _, origin, cursor, parameters);

    public static JsonElement Query(IModel model, out string? next, long origin = 0, string? cursor = null, params (string Name, string Value)[] parameters) =>
        Query(model, null, out next, origin, cursor, parameters);

    public static JsonElement Query(IModel model, Func<string, string, IModel>? resolve, out string? next, long origin = 0, string? cursor = null, params (string Name, string Value)[] parameters)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            next = model.Write(json, new ModelRequest(cursor, parameters.ToDictionary(p => p.Name, p => p.Value), origin, resolve));
        }

        using var document = JsonDocument.Parse(buffer.ToArray());
        return document.RootElement.Clone();
    }

    public static long[] Longs(this JsonElement element, string name) => [.. element.GetProperty(name).EnumerateArray().Select(e => e.GetInt64())];

    public static string[] Strings(this JsonElement element, string name) => [.. element.GetProperty(name).EnumerateArray().Select(e => e.GetString() ?? "")];

    /// <summary>The folded lines of a flame graph answer in columns (frame names joined root first, the value of each node's self).</summary>
    public static Dictionary<string, long> Folded(JsonElement update, string values = "nodeSelfs")
    {
        var names = update.Strings("frameNames");
        var parents = update.GetProperty("nodeParents").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var frames = update.GetProperty("nodeFrames").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var selfs = update.Longs(values);
        var result = new Dictionary<string, long>();
        for (var node = 1; node < parents.Length; node++)
        {
            if (selfs[node] == 0)
            {
                continue;
            }

            var path = new List<string>();
            for (var n = node; n > 0; n = parents[n])
            {
                path.Add(names[frames[n]]);
            }

            path.Reverse();
            result[string.Join(';', path)] = selfs[node];
        }

        return result;
    }
}
