using System.Globalization;
using System.Text.Json;
using SystemScope.Core.Errors;

namespace SystemScope.Core.Options;

/// <summary>The type of an option as people and the UI see it.</summary>
public enum OptionKind : byte
{
    Integer,
    Number,
    Boolean,

    /// <summary>Any subset of a fixed list of names (for example the thread states to include).</summary>
    Choices,

    /// <summary>A list of names from an open set (syscalls, devices), checked by the source; empty means all.</summary>
    Names,
}

/// <summary>
/// One setting a source accepts: its name (camelCase in JSON, kebab-case on the command line), what
/// it means, its type, range and default. Declared once as a static field of the source's options
/// class, so the API, the CLI, the UI's start form and validation all read the same declaration.
/// Parsing never throws anything but <see cref="InvalidRequestException"/>, worded in the user's
/// terms (never a .NET type name).
/// </summary>
public abstract class SourceOption
{
    private protected SourceOption(string name, string description, string? unit)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        Description = description;
        Unit = unit;
    }

    /// <summary>camelCase name, as in JSON: <c>minBlockUs</c>.</summary>
    public string Name { get; }

    /// <summary>The command-line flag: <c>--min-block-us</c>.</summary>
    public string Flag => "--" + KebabCase(Name);

    public string Description { get; }

    public string? Unit { get; }

    public abstract OptionKind Kind { get; }

    /// <summary>The default as a value of the option's type (boxed: for descriptions and the UI only).</summary>
    public abstract object DefaultValue { get; }

    /// <summary>Parses a JSON value; <paramref name="owner"/> names the source in messages.</summary>
    public abstract object Parse(JsonElement value, string owner);

    /// <summary>Parses command-line text.</summary>
    public abstract object Parse(string text, string owner);

    /// <summary>Writes the declaration (for /api/capabilities): name, kind, description, range, default.</summary>
    public void WriteDescription(Utf8JsonWriter json)
    {
        ArgumentNullException.ThrowIfNull(json);
        json.WriteStartObject();
        json.WriteString("name", Name);
        json.WriteString("flag", Flag);
        json.WriteString("kind", Kind switch
        {
            OptionKind.Integer => "integer",
            OptionKind.Number => "number",
            OptionKind.Boolean => "boolean",
            OptionKind.Names => "names",
            _ => "choices",
        });
        json.WriteString("description", Description);
        if (Unit is not null)
        {
            json.WriteString("unit", Unit);
        }

        WriteRange(json);
        json.WritePropertyName("default");
        WriteValue(json, DefaultValue);
        json.WriteEndObject();
    }

    /// <summary>Writes a value of this option (as parsed) to JSON.</summary>
    public abstract void WriteValue(Utf8JsonWriter json, object value);

    /// <summary>A value of this option for people: <c>99</c>, <c>true</c>, <c>S,D</c>.</summary>
    public abstract string Format(object value);

    private protected virtual void WriteRange(Utf8JsonWriter json)
    {
    }

    private protected InvalidRequestException Invalid(string owner, string got, string expected) =>
        new($"{owner} option {Name}: {got} is not valid: {expected}");

    private protected static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"\"{value.GetString()}\"",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.Null => "null",
        _ => value.GetRawText(),
    };

    internal static string KebabCase(string name)
    {
        var chars = new System.Text.StringBuilder(name.Length + 4);
        foreach (var c in name)
        {
            if (char.IsUpper(c))
            {
                chars.Append('-').Append(char.ToLowerInvariant(c));
            }
            else
            {
                chars.Append(c);
            }
        }

        return chars.ToString();
    }
}

/// <summary>A whole number within a range.</summary>
public sealed class IntegerOption(string name, string description, long min, long max, long defaultValue, string? unit = null)
    : SourceOption(name, description, unit)
{
    public long Min { get; } = min;

    public long Max { get; } = max;

    public long Default { get; } = defaultValue;

    public override OptionKind Kind => OptionKind.Integer;

    public override object DefaultValue => Default;

    public override object Parse(JsonElement value, string owner) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n)
            ? Check(n, owner)
            : throw Invalid(owner, Describe(value), Expected);

    public override object Parse(string text, string owner) =>
        long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)
            ? Check(n, owner)
            : throw Invalid(owner, $"'{text}'", Expected);

    public override void WriteValue(Utf8JsonWriter json, object value) => json.WriteNumberValue((long)value);

    public override string Format(object value) => ((long)value).ToString(CultureInfo.InvariantCulture);

    private protected override void WriteRange(Utf8JsonWriter json)
    {
        json.WriteNumber("min", Min);
        json.WriteNumber("max", Max);
    }

    private string Expected => $"give a whole number from {Min} to {Max}{(Unit is null ? string.Empty : " " + Unit)} (default {Default})";

    private long Check(long n, string owner) =>
        n >= Min && n <= Max ? n : throw Invalid(owner, n.ToString(CultureInfo.InvariantCulture), Expected);
}

/// <summary>A number (fractions allowed) within a range.</summary>
public sealed class NumberOption(string name, string description, double min, double max, double defaultValue, string? unit = null)
    : SourceOption(name, description, unit)
{
    public double Min { get; } = min;

    public double Max { get; } = max;

    public double Default { get; } = defaultValue;

    public override OptionKind Kind => OptionKind.Number;

    public override object DefaultValue => Default;

    public override object Parse(JsonElement value, string owner) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var n)
            ? Check(n, owner)
            : throw Invalid(owner, Describe(value), Expected);

    public override object Parse(string text, string owner) =>
        double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var n)
            ? Check(n, owner)
            : throw Invalid(owner, $"'{text}'", Expected);

    public override void WriteValue(Utf8JsonWriter json, object value) => json.WriteNumberValue((double)value);

    public override string Format(object value) => ((double)value).ToString(CultureInfo.InvariantCulture);

    private protected override void WriteRange(Utf8JsonWriter json)
    {
        json.WriteNumber("min", Min);
        json.WriteNumber("max", Max);
    }

    private string Expected =>
        $"give a number from {Format(Min)} to {Format(Max)}{(Unit is null ? string.Empty : " " + Unit)} (default {Format(Default)})";

    private double Check(double n, string owner) =>
        double.IsFinite(n) && n >= Min && n <= Max ? n : throw Invalid(owner, Format(n), Expected);
}

/// <summary>On or off.</summary>
public sealed class BooleanOption(string name, string description, bool defaultValue) : SourceOption(name, description, null)
{
    public bool Default { get; } = defaultValue;

    public override OptionKind Kind => OptionKind.Boolean;

    public override object DefaultValue => Default;

    public override object Parse(JsonElement value, string owner) => value.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => throw Invalid(owner, Describe(value), "give true or false"),
    };

    public override object Parse(string text, string owner) => text.Trim().ToLowerInvariant() switch
    {
        "true" or "yes" or "on" or "1" => true,
        "false" or "no" or "off" or "0" => false,
        _ => throw Invalid(owner, $"'{text}'", "give true or false"),
    };

    public override void WriteValue(Utf8JsonWriter json, object value) => json.WriteBooleanValue((bool)value);

    public override string Format(object value) => (bool)value ? "true" : "false";
}

/// <summary>A non-empty subset of a fixed list of names; JSON takes a list, the command line a comma-separated list.</summary>
public sealed class ChoicesOption : SourceOption
{
    public ChoicesOption(string name, string description, IReadOnlyList<string> choices, IReadOnlyList<string> defaultValue)
        : base(name, description, null)
    {
        Choices = choices;
        Default = defaultValue;
    }

    public IReadOnlyList<string> Choices { get; }

    public IReadOnlyList<string> Default { get; }

    public override OptionKind Kind => OptionKind.Choices;

    public override object DefaultValue => Default;

    public override object Parse(JsonElement value, string owner)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Invalid(owner, Describe(value), Expected);
        }

        var picked = new List<string>();
        foreach (var item in value.EnumerateArray())
        {
            picked.Add(item.ValueKind == JsonValueKind.String ? item.GetString()! : throw Invalid(owner, Describe(item), Expected));
        }

        return Check(picked, owner);
    }

    public override object Parse(string text, string owner) =>
        Check([.. text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)], owner);

    public override void WriteValue(Utf8JsonWriter json, object value)
    {
        json.WriteStartArray();
        foreach (var choice in (IReadOnlyList<string>)value)
        {
            json.WriteStringValue(choice);
        }

        json.WriteEndArray();
    }

    public override string Format(object value) => string.Join(',', (IReadOnlyList<string>)value);

    private protected override void WriteRange(Utf8JsonWriter json)
    {
        json.WriteStartArray("choices");
        foreach (var choice in Choices)
        {
            json.WriteStringValue(choice);
        }

        json.WriteEndArray();
    }

    private string Expected => $"give one or more of {string.Join(", ", Choices)} (default {string.Join(",", Default)})";

    private IReadOnlyList<string> Check(List<string> picked, string owner)
    {
        if (picked.Count == 0)
        {
            throw Invalid(owner, "an empty list", Expected);
        }

        foreach (var choice in picked)
        {
            if (!Choices.Contains(choice, StringComparer.Ordinal))
            {
                throw Invalid(owner, $"'{choice}'", Expected);
            }
        }

        return [.. picked.Distinct(StringComparer.Ordinal)];
    }
}

/// <summary>
/// A list of names from a set only the machine knows (syscalls, block devices, ports): JSON takes a
/// list, the command line a comma-separated list; empty (the default) means all. Each name is checked
/// by the source's provider (<c>Validate</c>), which knows the set and names what exists.
/// </summary>
public sealed class NamesOption(string name, string description, string example) : SourceOption(name, description, null)
{
    /// <summary>An example value for help texts: <c>read,write</c>.</summary>
    public string Example { get; } = example;

    public override OptionKind Kind => OptionKind.Names;

    public override object DefaultValue => Array.Empty<string>();

    public override object Parse(JsonElement value, string owner)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Invalid(owner, Describe(value), Expected);
        }

        var names = new List<string>();
        foreach (var item in value.EnumerateArray())
        {
            names.Add(item.ValueKind == JsonValueKind.String ? item.GetString()!.Trim() : throw Invalid(owner, Describe(item), Expected));
        }

        return Check(names, owner);
    }

    public override object Parse(string text, string owner) =>
        Check([.. text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)], owner);

    public override void WriteValue(Utf8JsonWriter json, object value)
    {
        json.WriteStartArray();
        foreach (var item in (IReadOnlyList<string>)value)
        {
            json.WriteStringValue(item);
        }

        json.WriteEndArray();
    }

    public override string Format(object value) => ((IReadOnlyList<string>)value).Count == 0 ? "all" : string.Join(',', (IReadOnlyList<string>)value);

    private protected override void WriteRange(Utf8JsonWriter json) => json.WriteString("example", Example);

    private string Expected => $"give a list of names such as {Example} (empty: all)";

    private IReadOnlyList<string> Check(List<string> names, string owner)
    {
        foreach (var item in names)
        {
            if (item.Length == 0 || item.Length > 256 || item.Any(char.IsControl))
            {
                throw Invalid(owner, $"'{item}'", Expected);
            }
        }

        return [.. names.Distinct(StringComparer.Ordinal)];
    }
}
