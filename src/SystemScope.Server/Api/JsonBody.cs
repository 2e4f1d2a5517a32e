using System.Text.Json;
using SystemScope.Core.Errors;
using SystemScope.Core.Options;

namespace SystemScope.Server.Api;

/// <summary>
/// A strict reader of a request's JSON object: every field must be one the endpoint knows (an
/// unknown one is an error naming it and the valid ones — a typo such as <c>pdi</c> must not silently
/// start a session on every process), and every value must have the expected type. Messages speak of
/// JSON fields and values, never of .NET types.
/// </summary>
internal readonly struct JsonBody
{
    private readonly JsonElement _object;
    private readonly string _what;

    private JsonBody(JsonElement element, string what)
    {
        _object = element;
        _what = what;
    }

    /// <summary>Reads <paramref name="element"/> as an object of <paramref name="what"/> with only the <paramref name="allowed"/> fields.</summary>
    public static JsonBody Of(JsonElement element, string what, params IReadOnlyList<string> allowed)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidRequestException($"{what} must be a JSON object");
        }

        foreach (var property in element.EnumerateObject())
        {
            if (!allowed.Contains(property.Name, StringComparer.Ordinal))
            {
                var hint = Suggest.Closest(property.Name, allowed) is { } close ? $" — did you mean '{close}'?" : string.Empty;
                throw new InvalidRequestException($"{what} has no field '{property.Name}'{hint} Valid fields: {string.Join(", ", allowed)}");
            }
        }

        return new JsonBody(element, what);
    }

    public bool Has(string name) => _object.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null;

    public JsonElement? Element(string name) =>
        _object.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public bool? Bool(string name) => Element(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        { } other => throw Wrong(name, other, "true or false"),
    };

    public double? Number(string name) => Element(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } n when n.TryGetDouble(out var d) && double.IsFinite(d) => d,
        { } other => throw Wrong(name, other, "a number"),
    };

    public int? Int(string name) => Element(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.Number } n when n.TryGetInt32(out var i) => i,
        { } other => throw Wrong(name, other, "a whole number"),
    };

    public string? String(string name) => Element(name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } s => s.GetString(),
        { } other => throw Wrong(name, other, "a string"),
    };

    public IReadOnlyList<int>? Ints(string name)
    {
        if (Element(name) is not { } value)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Wrong(name, value, "a list of whole numbers");
        }

        var result = new List<int>();
        foreach (var item in value.EnumerateArray())
        {
            result.Add(item.ValueKind == JsonValueKind.Number && item.TryGetInt32(out var i) ? i : throw Wrong(name, item, "a list of whole numbers"));
        }

        return result;
    }

    public JsonBody Object(string name, params IReadOnlyList<string> allowed) =>
        Element(name) is { } value ? Of(value, $"field '{name}' of {_what}", allowed) : throw new InvalidRequestException($"{_what} needs field '{name}'");

    private InvalidRequestException Wrong(string name, JsonElement value, string expected)
    {
        var got = value.ValueKind switch
        {
            JsonValueKind.String => $"\"{value.GetString()}\"",
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "a list",
            _ => value.GetRawText(),
        };
        return new InvalidRequestException($"field '{name}' of {_what} is {got}: expected {expected}");
    }
}
