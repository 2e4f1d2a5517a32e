using SystemScope.Core.Symbols;

namespace SystemScope.Core.Models.Timeline;

/// <summary>
/// Symbolised stacks interned by content, so that thousands of slices blocked at the same place share
/// one array. Bounded: past <see cref="Capacity"/> distinct stacks new ones are not kept (counted).
/// Not thread-safe: its model serialises access.
/// </summary>
public sealed class StackTable(int capacity = 100_000)
{
    private readonly List<Symbol[]> _stacks = [];
    private readonly Dictionary<Key, int> _ids = [];

    public int Capacity { get; } = capacity;

    public int Count => _stacks.Count;

    /// <summary>Stacks not kept because the table was full.</summary>
    public long Refused { get; private set; }

    /// <summary>The id of this stack (root first); -1 for an empty stack or when the table is full.</summary>
    public int Intern(ReadOnlySpan<Symbol> rootFirst)
    {
        if (rootFirst.IsEmpty)
        {
            return -1;
        }

        var key = new Key(rootFirst.ToArray());
        if (_ids.TryGetValue(key, out var id))
        {
            return id;
        }

        if (_stacks.Count >= Capacity)
        {
            Refused++;
            return -1;
        }

        id = _stacks.Count;
        _stacks.Add(key.Frames);
        _ids.Add(key, id);
        return id;
    }

    public IReadOnlyList<Symbol> this[int id] => id >= 0 && id < _stacks.Count ? _stacks[id] : [];

    public void Clear()
    {
        _stacks.Clear();
        _ids.Clear();
    }

    private readonly struct Key(Symbol[] frames) : IEquatable<Key>
    {
        public Symbol[] Frames { get; } = frames;

        public bool Equals(Key other) => Frames.AsSpan().SequenceEqual(other.Frames);

        public override bool Equals(object? obj) => obj is Key other && Equals(other);

        public override int GetHashCode()
        {
            var hash = new HashCode();
            foreach (var frame in Frames)
            {
                hash.Add(frame);
            }

            return hash.ToHashCode();
        }
    }
}
