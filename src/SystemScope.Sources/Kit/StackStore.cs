using System.Runtime.InteropServices;
using SystemScope.Bpf;

namespace SystemScope.Sources.Kit;

/// <summary>
/// Stacks kept in one (not double-buffered) stacks map, for sources whose records are counted later
/// than their stacks are taken (a block's stacks at switch-out, its count at switch-in): frames are
/// read by hash when a record first refers to them and cached; stacks no record has referred to for
/// <c>keepWindows</c> windows are deleted from the kernel map (the cache keeps them longer, so a long
/// block that started with a stack deleted meanwhile still resolves). Stacks taken for blocks that were
/// never recorded (shorter than the threshold) are found by walking the map every <c>keepWindows</c>
/// windows and deleted when two walks in a row found them unused. A stack the map could not allocate
/// for is found in the kit's reserve (<see cref="KitSchema.StackReserve"/>), cached, and deleted there.
/// Thread-safe: a window loop and a ring reader may resolve at once.
/// </summary>
internal sealed class StackStore(BpfMap stacks, BpfMap? reserve, int keepWindows = 10, int maxCached = 50_000)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ulong, Entry> _cache = [];
    private HashSet<ulong> _unusedAtLastWalk = [];
    private long _window;
    private long _missing;

    /// <summary>Records whose stack was in neither the kernel map nor the cache.</summary>
    public long Missing => Interlocked.Read(ref _missing);

    public int Cached
    {
        get
        {
            lock (_gate)
            {
                return _cache.Count;
            }
        }
    }

    /// <summary>The frames of a stack hash, leaf first (empty for 0, "no stack", or when it is gone).</summary>
    public ReadOnlyMemory<ulong> Resolve(ulong hash)
    {
        if (hash == 0)
        {
            return ReadOnlyMemory<ulong>.Empty;
        }

        lock (_gate)
        {
            if (_cache.TryGetValue(hash, out var entry))
            {
                entry.LastWindow = _window;
                return entry.Frames;
            }

            if (stacks.TryLookup(hash, out StackRecord record))
            {
                var frames = StackRecord.Frames(in record).ToArray();
                _cache[hash] = new Entry(frames) { LastWindow = _window, InKernel = true };
                return frames;
            }

            if (reserve is not null && reserve.TryLookup(hash, out record))
            {
                var frames = StackRecord.Frames(in record).ToArray();
                _cache[hash] = new Entry(frames) { LastWindow = _window };
                reserve.TryDelete(hash);
                return frames;
            }
        }

        Interlocked.Increment(ref _missing);
        return ReadOnlyMemory<ulong>.Empty;
    }

    /// <summary>A window ended: deletes from the kernel what was not used lately, and forgets what was not used for long.</summary>
    public void WindowEnded()
    {
        List<ulong> delete = [];
        lock (_gate)
        {
            _window++;
            var forgetBefore = _window - (keepWindows * 6L);
            foreach (var (hash, entry) in _cache)
            {
                if (entry.InKernel && _window - entry.LastWindow >= keepWindows)
                {
                    entry.InKernel = false;
                    delete.Add(hash);
                }
            }

            if (_cache.Count > maxCached || _cache.Values.Any(e => e.LastWindow < forgetBefore))
            {
                foreach (var hash in _cache.Where(e => e.Value.LastWindow < forgetBefore || (_cache.Count > maxCached && !e.Value.InKernel)).Select(e => e.Key).ToList())
                {
                    _cache.Remove(hash);
                }
            }
        }

        foreach (var hash in delete)
        {
            stacks.TryDelete(hash);
        }

        if (_window % keepWindows == 0)
        {
            Walk();
            EmptyReserve();
        }
    }

    /// <summary>Deletes the stacks no record referred to in two walks in a row (taken for blocks too short to record).</summary>
    private void Walk()
    {
        var unused = new HashSet<ulong>();
        foreach (var key in Keys(stacks))
        {
            bool used;
            lock (_gate)
            {
                used = _cache.TryGetValue(key, out var entry) && _window - entry.LastWindow < keepWindows;
            }

            if (!used)
            {
                unused.Add(key);
            }
        }

        foreach (var hash in unused.Where(_unusedAtLastWalk.Contains))
        {
            stacks.TryDelete(hash);
            unused.Remove(hash);
        }

        _unusedAtLastWalk = unused;
    }

    /// <summary>Moves what the reserve holds into the cache: stacks taken for blocks never recorded would otherwise fill it.</summary>
    private void EmptyReserve()
    {
        if (reserve is null)
        {
            return;
        }

        foreach (var hash in Keys(reserve))
        {
            Resolve(hash);
            reserve.TryDelete(hash);
        }
    }

    private static List<ulong> Keys(BpfMap map)
    {
        var keys = new List<ulong>();
        ulong key = 0, next = 0;
        var first = true;
        while (first ? map.TryGetNextKey([], MemoryMarshal.AsBytes(new Span<ulong>(ref next)))
                     : map.TryGetNextKey(MemoryMarshal.AsBytes(new ReadOnlySpan<ulong>(in key)), MemoryMarshal.AsBytes(new Span<ulong>(ref next))))
        {
            first = false;
            key = next;
            keys.Add(key);
        }

        return keys;
    }

    private sealed class Entry(ulong[] frames)
    {
        public ulong[] Frames { get; } = frames;

        public long LastWindow { get; set; }

        public bool InKernel { get; set; }
    }
}
