using SystemScope.Core.Errors;
using SystemScope.Core.Options;

namespace SystemScope.Core.Tuning;

/// <summary>The declared tunables, by id: the only settings the tuning loop writes.</summary>
public sealed class TunableRegistry(IEnumerable<ITunable> tunables)
{
    private readonly Dictionary<string, ITunable> _byId = tunables.ToDictionary(t => t.Id, StringComparer.Ordinal);

    public IReadOnlyCollection<ITunable> All => [.. _byId.Values.OrderBy(t => t.Id, StringComparer.Ordinal)];

    public ITunable Get(string id)
    {
        if (_byId.TryGetValue(id, out var tunable))
        {
            return tunable;
        }

        var hint = Suggest.Closest(id, _byId.Keys) is { } close ? $" — did you mean '{close}'?" : string.Empty;
        throw new NotFoundException("unknown-tunable", $"'{id}' is not a declared tunable{hint} Declared: {string.Join(", ", _byId.Keys.Order(StringComparer.Ordinal))}");
    }
}
