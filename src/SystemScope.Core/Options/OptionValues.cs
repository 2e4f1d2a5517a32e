using System.Text.Json;
using SystemScope.Core.Errors;

namespace SystemScope.Core.Options;

/// <summary>
/// The validated settings of one source: a value for every option it declares (the default where
/// none was given). Built from JSON (the API) or from command-line text, both checked against the
/// declarations: an unknown name is an error that lists the valid ones.
/// </summary>
public sealed class OptionValues
{
    private readonly Dictionary<string, object> _values;

    private OptionValues(IReadOnlyList<SourceOption> declared, Dictionary<string, object> values, IReadOnlySet<string> given)
    {
        Declared = declared;
        _values = values;
        Given = given;
    }

    public IReadOnlyList<SourceOption> Declared { get; }

    /// <summary>The names set explicitly (the rest are defaults).</summary>
    public IReadOnlySet<string> Given { get; }

    public static OptionValues Defaults(IReadOnlyList<SourceOption> declared) => From(declared, new Dictionary<string, object>(), "source");

    /// <summary>Reads a JSON object of option values (null or absent: all defaults).</summary>
    public static OptionValues FromJson(IReadOnlyList<SourceOption> declared, JsonElement? options, string owner)
    {
        ArgumentNullException.ThrowIfNull(declared);
        var parsed = new Dictionary<string, object>(StringComparer.Ordinal);
        if (options is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } element)
        {
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidRequestException($"{owner} options must be an object such as {Example(declared)}");
            }

            foreach (var property in element.EnumerateObject())
            {
                var option = Find(declared, property.Name, owner);
                parsed[option.Name] = option.Parse(property.Value, owner);
            }
        }

        return From(declared, parsed, owner);
    }

    /// <summary>Reads option values given as text by name (the command line).</summary>
    public static OptionValues FromText(IReadOnlyList<SourceOption> declared, IReadOnlyDictionary<string, string> options, string owner)
    {
        ArgumentNullException.ThrowIfNull(declared);
        ArgumentNullException.ThrowIfNull(options);
        var parsed = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var (name, text) in options)
        {
            var option = Find(declared, name, owner);
            parsed[option.Name] = option.Parse(text, owner);
        }

        return From(declared, parsed, owner);
    }

    public long Get(IntegerOption option) => (long)Value(option);

    public double Get(NumberOption option) => (double)Value(option);

    public bool Get(BooleanOption option) => (bool)Value(option);

    public IReadOnlyList<string> Get(ChoicesOption option) => (IReadOnlyList<string>)Value(option);

    public IReadOnlyList<string> Get(NamesOption option) => (IReadOnlyList<string>)Value(option);

    /// <summary>Writes every value as a JSON object, declaration order.</summary>
    public void WriteJson(Utf8JsonWriter json)
    {
        ArgumentNullException.ThrowIfNull(json);
        json.WriteStartObject();
        foreach (var option in Declared)
        {
            json.WritePropertyName(option.Name);
            option.WriteValue(json, _values[option.Name]);
        }

        json.WriteEndObject();
    }

    /// <summary>The values set explicitly, for people: <c>frequency=999 minBlockUs=50</c>.</summary>
    public string Describe() =>
        string.Join(' ', Declared.Where(o => Given.Contains(o.Name)).Select(o => $"{o.Name}={o.Format(_values[o.Name])}"));

    private object Value(SourceOption option) =>
        _values.TryGetValue(option.Name, out var value)
            ? value
            : throw new ArgumentException($"option {option.Name} is not declared by this source", nameof(option));

    private static OptionValues From(IReadOnlyList<SourceOption> declared, Dictionary<string, object> parsed, string owner)
    {
        var duplicate = declared.GroupBy(o => o.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"{owner} declares option {duplicate.Key} twice");
        }

        var given = new HashSet<string>(parsed.Keys, StringComparer.Ordinal);
        foreach (var option in declared)
        {
            parsed.TryAdd(option.Name, option.DefaultValue);
        }

        return new OptionValues(declared, parsed, given);
    }

    private static SourceOption Find(IReadOnlyList<SourceOption> declared, string name, string owner)
    {
        foreach (var option in declared)
        {
            if (option.Name == name)
            {
                return option;
            }
        }

        var hint = Suggest.Closest(name, declared.Select(o => o.Name)) is { } close ? $" — did you mean '{close}'?" : string.Empty;
        throw new InvalidRequestException(declared.Count == 0
            ? $"{owner} has no options, but '{name}' was given"
            : $"{owner} has no option '{name}'{hint} Valid options: {string.Join(", ", declared.Select(o => o.Name))}");
    }

    private static string Example(IReadOnlyList<SourceOption> declared) =>
        declared.Count == 0 ? "{}" : $"{{\"{declared[0].Name}\": {declared[0].Format(declared[0].DefaultValue)}}}";
}
