using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SystemScope.Bpf;

namespace SystemScope.Sources.Cpu;

/// <summary>
/// Empties one quiescent slot (counts_N and stacks_N): reads every count and every stack and deletes
/// them, leaving the slot clear for its next turn. Uses batched lookup-and-delete (one syscall per
/// thousand entries) and falls back to key-by-key where the kernel has no batch operations. Buffers
/// are reused between drains; each distinct stack gets one array, shared by all its counts.
/// </summary>
internal sealed class CpuSlotDrainer
{
    private const int CountBatch = 1024;
    private const int StackBatch = 128;

    private static readonly int CountKeySize = Unsafe.SizeOf<CpuCountKey>();

    private readonly byte[] _countKeys = new byte[CountBatch * CountKeySize];
    private readonly byte[] _countValues = new byte[CountBatch * sizeof(ulong)];
    private readonly byte[] _stackKeys = new byte[StackBatch * sizeof(ulong)];
    private readonly byte[] _stackValues = new byte[StackBatch * CpuStackLayout.Size];
    private readonly List<(CpuCountKey Key, long Count)> _counts = [];
    private readonly Dictionary<ulong, ReadOnlyMemory<ulong>> _stacks = [];
    private readonly List<CpuCountKey> _countKeyList = [];
    private readonly List<ulong> _stackKeyList = [];
    private bool _batchUnsupported;

    /// <summary>The counts of the last drain.</summary>
    public ReadOnlySpan<(CpuCountKey Key, long Count)> Counts => CollectionsMarshal.AsSpan(_counts);

    public int DistinctStacks => _stacks.Count;

    /// <summary>Counts whose stack was not in the slot (should never happen: stacks are stored first).</summary>
    public long MissingStacks { get; private set; }

    public bool UsesBatches => !_batchUnsupported;

    /// <summary>Empties the slot's maps into <see cref="Counts"/> and the stack table.</summary>
    public void Drain(BpfMap counts, BpfMap stacks)
    {
        _counts.Clear();
        _stacks.Clear();
        DrainCounts(counts);
        DrainStacks(stacks);
    }

    /// <summary>Drains another slot into the same result (the final drain at stop takes both slots).</summary>
    public void DrainMore(BpfMap counts, BpfMap stacks)
    {
        DrainCounts(counts);
        DrainStacks(stacks);
    }

    /// <summary>The frames of a stack hash (empty for 0, "no stack").</summary>
    public ReadOnlyMemory<ulong> Stack(ulong hash)
    {
        if (hash == 0)
        {
            return ReadOnlyMemory<ulong>.Empty;
        }

        if (_stacks.TryGetValue(hash, out var frames))
        {
            return frames;
        }

        MissingStacks++;
        return ReadOnlyMemory<ulong>.Empty;
    }

    private void DrainCounts(BpfMap map)
    {
        if (!_batchUnsupported)
        {
            try
            {
                var cursor = default(BpfBatchCursor);
                bool done;
                do
                {
                    var n = map.LookupAndDeleteBatch(ref cursor, _countKeys, _countValues, out done);
                    for (var i = 0; i < n; i++)
                    {
                        var countKey = MemoryMarshal.Read<CpuCountKey>(_countKeys.AsSpan(i * CountKeySize));
                        var count = MemoryMarshal.Read<ulong>(_countValues.AsSpan(i * sizeof(ulong)));
                        _counts.Add((countKey, (long)count));
                    }
                }
                while (!done);
                return;
            }
            catch (BpfNotSupportedException)
            {
                _batchUnsupported = true;
            }
        }

        // Key by key: collect the keys first (deleting while walking a hash map restarts the walk).
        _countKeyList.Clear();
        Span<byte> key = stackalloc byte[CountKeySize];
        Span<byte> next = stackalloc byte[CountKeySize];
        for (var more = map.TryGetNextKey([], next); more; more = map.TryGetNextKey(key, next))
        {
            _countKeyList.Add(MemoryMarshal.Read<CpuCountKey>(next));
            next.CopyTo(key);
        }

        foreach (var countKey in _countKeyList)
        {
            if (map.TryLookup(countKey, out ulong value))
            {
                _counts.Add((countKey, (long)value));
            }

            map.TryDelete(countKey);
        }
    }

    private void DrainStacks(BpfMap map)
    {
        if (!_batchUnsupported)
        {
            try
            {
                var cursor = default(BpfBatchCursor);
                bool done;
                do
                {
                    var n = map.LookupAndDeleteBatch(ref cursor, _stackKeys, _stackValues, out done);
                    for (var i = 0; i < n; i++)
                    {
                        var hash = MemoryMarshal.Read<ulong>(_stackKeys.AsSpan(i * sizeof(ulong)));
                        AddStack(hash, _stackValues.AsSpan(i * CpuStackLayout.Size, CpuStackLayout.Size));
                    }
                }
                while (!done);
                return;
            }
            catch (BpfNotSupportedException)
            {
                _batchUnsupported = true;
            }
        }

        _stackKeyList.Clear();
        ulong current = 0, following = 0;
        for (var more = map.TryGetNextKey([], MemoryMarshal.AsBytes(new Span<ulong>(ref following)));
             more;
             more = map.TryGetNextKey(MemoryMarshal.AsBytes(new Span<ulong>(ref current)), MemoryMarshal.AsBytes(new Span<ulong>(ref following))))
        {
            _stackKeyList.Add(following);
            current = following;
        }

        var value = _stackValues.AsSpan(0, CpuStackLayout.Size);
        foreach (var hash in _stackKeyList)
        {
            if (map.TryLookup(MemoryMarshal.AsBytes(new ReadOnlySpan<ulong>(in hash)), value))
            {
                AddStack(hash, value);
            }

            map.TryDelete(hash);
        }
    }

    private void AddStack(ulong hash, ReadOnlySpan<byte> value) =>
        _stacks[hash] = CpuStackLayout.Frames(value).ToArray();
}
