using System.Collections.Concurrent;
using System.Globalization;
using SystemScope.Core.Symbols;

namespace SystemScope.Symbols.Support;

/// <summary>
/// Hands out one <see cref="Symbol"/> per unresolved <c>module+0xoffset</c>, so that callers can intern
/// by reference. Lookups go through a per-module table keyed by offset alone (no string hashing on
/// the hot path: .NET stacks are full of <c>libcoreclr.so+0x…</c> frames). Bounded: when full it
/// starts over; instances stay valid, only sharing is lost.
/// </summary>
internal sealed class UnknownFrames(int capacity)
{
    public const string UnknownModule = "[unknown]";
    public const string KernelModule = "[kernel]";

    private readonly ConcurrentDictionary<string, Module> _modules = new(StringComparer.Ordinal);
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public Module For(string module) => _modules.TryGetValue(module, out var existing) ? existing : _modules.GetOrAdd(module, m => new Module(this, m));

    public Symbol Get(string module, ulong offset) => For(module).Get(offset);

    /// <summary>Ends all sharing; instances handed out stay valid.</summary>
    public void Clear()
    {
        foreach (var module in _modules.Values)
        {
            module.Clear();
        }

        Volatile.Write(ref _count, 0);
    }

    private void Reserve()
    {
        if (Interlocked.Increment(ref _count) <= capacity)
        {
            return;
        }

        foreach (var module in _modules.Values)
        {
            module.Clear();
        }

        Volatile.Write(ref _count, 1);
    }

    /// <summary>The unknown frames of one module.</summary>
    internal sealed class Module(UnknownFrames owner, string name)
    {
        private readonly ConcurrentDictionary<ulong, Symbol> _frames = new();

        public Symbol Get(ulong offset)
        {
            if (_frames.TryGetValue(offset, out var symbol))
            {
                return symbol;
            }

            owner.Reserve();
            var created = new Symbol(string.Create(CultureInfo.InvariantCulture, $"{name}+0x{offset:x}"), name, FrameKind.Unknown);
            return _frames.GetOrAdd(offset, created);
        }

        public void Clear() => _frames.Clear();
    }
}
