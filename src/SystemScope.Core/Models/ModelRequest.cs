using System.Globalization;
using SystemScope.Core.Errors;

namespace SystemScope.Core.Models;

/// <summary>
/// What a client asks of a model: the cursor it holds (null: nothing yet) and parameters by name
/// (the URL's query). Times are in ns relative to the session's start (<see cref="OriginNs"/> is that
/// start on CLOCK_MONOTONIC), which keeps them exact in JavaScript numbers.
/// </summary>
public sealed class ModelRequest
{
    private readonly IReadOnlyDictionary<string, string> _parameters;

    public ModelRequest(string? cursor, IReadOnlyDictionary<string, string>? parameters, long originNs, Func<string, string, IModel>? resolveModel = null)
    {
        Cursor = string.IsNullOrEmpty(cursor) ? null : cursor;
        _parameters = parameters ?? new Dictionary<string, string>();
        OriginNs = originNs;
        ResolveModel = resolveModel;
    }

    public static ModelRequest Live(long originNs) => new(null, null, originNs);

    public string? Cursor { get; }

    public long OriginNs { get; }

    public bool HasParameters => _parameters.Count > 0;

    public IReadOnlyCollection<string> ParameterNames => [.. _parameters.Keys];

    /// <summary>Finds another session's model (for diffs across sessions): (session id, model id) → model; throws when absent.</summary>
    public Func<string, string, IModel>? ResolveModel { get; }

    /// <summary>Throws naming the first parameter that is not one of <paramref name="allowed"/>.</summary>
    public void AllowOnly(string modelId, params IReadOnlyList<string> allowed)
    {
        foreach (var name in _parameters.Keys)
        {
            if (!allowed.Contains(name, StringComparer.Ordinal))
            {
                throw new InvalidRequestException(allowed.Count == 0
                    ? $"model {modelId} takes no parameters, but '{name}' was given"
                    : $"model {modelId} has no parameter '{name}': it takes {string.Join(", ", allowed)}");
            }
        }
    }

    public bool Has(string name) => _parameters.ContainsKey(name);

    public string? String(string name) => _parameters.TryGetValue(name, out var value) ? value : null;

    public long? Long(string name, long min = long.MinValue, long max = long.MaxValue)
    {
        if (!_parameters.TryGetValue(name, out var text))
        {
            return null;
        }

        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new InvalidRequestException($"parameter {name}={text} is not valid: give a whole number{Range(min, max)}");
        }

        return value;
    }

    /// <summary>A time in ns relative to the session start; fractions allowed (<c>1.5e9</c>).</summary>
    public long? Time(string name)
    {
        if (!_parameters.TryGetValue(name, out var text))
        {
            return null;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value) || value < 0 || value > 1e18)
        {
            throw new InvalidRequestException($"parameter {name}={text} is not a time: give ns since the session started (0 or more)");
        }

        return (long)value;
    }

    private static string Range(long min, long max) =>
        (min, max) switch
        {
            (long.MinValue, long.MaxValue) => string.Empty,
            (_, long.MaxValue) => $" of at least {min}",
            _ => $" from {min} to {max}",
        };
}
