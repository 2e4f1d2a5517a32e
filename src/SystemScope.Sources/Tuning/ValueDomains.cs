using System.Globalization;

namespace SystemScope.Sources.Tuning;

/// <summary>The values a tunable accepts.</summary>
public interface IValueDomain
{
    string Describe();

    /// <summary>Null when allowed, else why not. <paramref name="choices"/> is what the machine offers now, where it says.</summary>
    string? Check(string value, IReadOnlyList<string>? choices);
}

/// <summary>Integers in [min, max].</summary>
public sealed record IntegerRange(long Min, long Max) : IValueDomain
{
    public string Describe() => $"{Min}..{Max}";

    public string? Check(string value, IReadOnlyList<string>? choices) =>
        !long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? $"'{value}' is not an integer"
        : n < Min || n > Max ? $"{n} is outside {Min}..{Max}"
        : null;
}

/// <summary>One of a set of names, limited to those the machine offers (an I/O scheduler that is not loaded is refused).</summary>
public sealed record NameChoices(params string[] Allowed) : IValueDomain
{
    public string Describe() => "one of: " + string.Join(", ", Allowed);

    public string? Check(string value, IReadOnlyList<string>? choices)
    {
        if (!Allowed.Contains(value, StringComparer.Ordinal))
        {
            return $"'{value}' is not one of {string.Join(", ", Allowed)}";
        }

        return choices is not null && !choices.Contains(value, StringComparer.Ordinal)
            ? $"'{value}' is not offered by this kernel (it offers {string.Join(", ", choices)})"
            : null;
    }
}
