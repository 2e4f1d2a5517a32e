using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SystemScope.Bpf;

namespace SystemScope.Sources.Kit;

/// <summary>Called for each entry drained; the value is only valid during the call.</summary>
internal delegate void DrainVisitor<TKey, TValue>(in TKey key, in TValue value)
    where TKey : unmanaged
    where TValue : unmanaged;

/// <summary>
/// Empties a hash map that the programs no longer write (the quiet slot of a double buffer): reads
/// every entry and deletes it, leaving the map clear for its next turn. Batched lookup-and-delete (one
/// syscall per batch), falling back to key by key where the kernel has no batch operations. Buffers
/// are reused between drains.
/// </summary>
internal sealed class HashMapDrainer<TKey, TValue>
    where TKey : unmanaged
    where TValue : unmanaged
{
    private static readonly int KeySize = Unsafe.SizeOf<TKey>();
    private static readonly int ValueSize = Unsafe.SizeOf<TValue>();

    private readonly byte[] _keys;
    private readonly byte[] _values;
    private readonly int _batch;
    private readonly List<TKey> _keyList = [];
    private bool _batchUnsupported;

    /// <param name="batch">Entries per syscall.</param>
    public HashMapDrainer(int batch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        _batch = batch;
        _keys = new byte[batch * KeySize];
        _values = new byte[batch * ValueSize];
    }

    public bool UsesBatches => !_batchUnsupported;

    /// <summary>Visits and deletes every entry; returns how many there were.</summary>
    public int Drain(BpfMap map, DrainVisitor<TKey, TValue> visit)
    {
        ArgumentNullException.ThrowIfNull(map);
        if (map.KeySize != KeySize || map.ValueBufferSize != ValueSize)
        {
            throw new ArgumentException($"map {map.Name}: key {map.KeySize} B / value {map.ValueBufferSize} B, the drainer reads {KeySize} B / {ValueSize} B");
        }

        if (!_batchUnsupported)
        {
            try
            {
                return DrainBatched(map, visit);
            }
            catch (BpfNotSupportedException)
            {
                _batchUnsupported = true;
            }
        }

        return DrainOneByOne(map, visit);
    }

    private int DrainBatched(BpfMap map, DrainVisitor<TKey, TValue> visit)
    {
        var cursor = default(BpfBatchCursor);
        var total = 0;
        bool done;
        do
        {
            var n = map.LookupAndDeleteBatch(ref cursor, _keys, _values, out done);
            for (var i = 0; i < n; i++)
            {
                visit(
                    in MemoryMarshal.AsRef<TKey>(_keys.AsSpan(i * KeySize, KeySize)),
                    in MemoryMarshal.AsRef<TValue>(_values.AsSpan(i * ValueSize, ValueSize)));
            }

            total += n;
        }
        while (!done);
        return total;
    }

    private int DrainOneByOne(BpfMap map, DrainVisitor<TKey, TValue> visit)
    {
        // Collect the keys first: deleting while walking a hash map restarts the walk.
        _keyList.Clear();
        var key = default(TKey);
        var next = default(TKey);
        for (var more = map.TryGetNextKey([], AsBytes(ref next)); more; more = map.TryGetNextKey(AsBytes(ref key), AsBytes(ref next)))
        {
            _keyList.Add(next);
            key = next;
        }

        var value = _values.AsSpan(0, ValueSize);
        var total = 0;
        foreach (var entry in _keyList)
        {
            var k = entry;
            if (map.TryLookup(AsBytes(ref k), value))
            {
                visit(in k, in MemoryMarshal.AsRef<TValue>(value));
                total++;
            }

            map.TryDelete(AsBytes(ref k));
        }

        return total;
    }

    private static Span<byte> AsBytes<T>(ref T value)
        where T : unmanaged => MemoryMarshal.AsBytes(new Span<T>(ref value));
}
