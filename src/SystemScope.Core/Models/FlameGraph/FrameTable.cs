using SystemScope.Core.Symbols;

namespace SystemScope.Core.Models.FlameGraph;

/// <summary>Interned frames of one call tree: each distinct <see cref="Symbol"/> gets a small integer id.</summary>
public sealed class FrameTable
{
    private readonly List<Symbol> _frames = [];
    private readonly Dictionary<Symbol, int> _ids = [];

    public int Count => _frames.Count;

    public Symbol this[int id] => _frames[id];

    public int Intern(Symbol symbol)
    {
        if (!_ids.TryGetValue(symbol, out var id))
        {
            id = _frames.Count;
            _frames.Add(symbol);
            _ids.Add(symbol, id);
        }

        return id;
    }

    public void Clear()
    {
        _frames.Clear();
        _ids.Clear();
    }
}
