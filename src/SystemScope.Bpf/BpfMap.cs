using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SystemScope.Bpf.Interop;

namespace SystemScope.Bpf;

[Flags]
public enum BpfUpdateFlags : ulong
{
    /// <summary>Create or replace.</summary>
    Any = 0,

    /// <summary>Only create (fails with EEXIST if present).</summary>
    NoExist = 1,

    /// <summary>Only replace (fails with ENOENT if absent).</summary>
    Exist = 2,
}

/// <summary>
/// A map of a loaded <see cref="BpfObject"/>, accessed by fd. The object owns the fd: every operation
/// holds a reference on the object so the fd cannot be closed (and reused) underneath it. Keys and
/// values are raw spans of exactly the map's sizes; for per-CPU maps a value holds one 8-byte-aligned
/// slot per possible CPU.
/// </summary>
public sealed unsafe class BpfMap
{
    private readonly BpfObject _owner;

    internal BpfMap(BpfObject owner, string name, nint map)
    {
        _owner = owner;
        Name = name;
        Fd = Libbpf.MapFd(map);
        Type = Libbpf.MapType(map);
        KeySize = (int)Libbpf.MapKeySize(map);
        ValueSize = (int)Libbpf.MapValueSize(map);
        MaxEntries = Libbpf.MapMaxEntries(map);
        Flags = Libbpf.MapFlags(map);
        IsPerCpu = Type is 5 or 6 or 10 or 21; // PERCPU_HASH, PERCPU_ARRAY, LRU_PERCPU_HASH, PERCPU_CGROUP_STORAGE
        PerCpuStride = (ValueSize + 7) & ~7;
        ValueBufferSize = IsPerCpu ? PerCpuStride * Cpus.PossibleCount : ValueSize;
    }

    public string Name { get; }

    /// <summary>The kernel's <c>enum bpf_map_type</c> value.</summary>
    public int Type { get; }

    public int KeySize { get; }

    public int ValueSize { get; }

    public uint MaxEntries { get; }

    /// <summary>The map's creation flags (<c>BPF_F_NO_PREALLOC</c>, <c>BPF_F_MMAPABLE</c> …).</summary>
    public uint Flags { get; }

    public bool IsPerCpu { get; }

    /// <summary>Bytes between two CPUs' values in a per-CPU value buffer.</summary>
    public int PerCpuStride { get; }

    /// <summary>Size of the buffer a lookup needs: <see cref="ValueSize"/>, or one slot per possible CPU.</summary>
    public int ValueBufferSize { get; }

    internal int Fd { get; }

    internal BpfObject Owner => _owner;

    public bool TryLookup(ReadOnlySpan<byte> key, Span<byte> value)
    {
        CheckKey(key);
        CheckValue(value.Length);
        int err;
        var added = AddRef();
        try
        {
            fixed (byte* k = key)
            fixed (byte* v = value)
            {
                err = Libbpf.MapLookupElem(Fd, k, v);
            }
        }
        finally
        {
            Release(added);
        }

        return Found(err, "lookup");
    }

    public void Update(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, BpfUpdateFlags flags = BpfUpdateFlags.Any)
    {
        CheckKey(key);
        CheckValue(value.Length);
        int err;
        var added = AddRef();
        try
        {
            fixed (byte* k = key)
            fixed (byte* v = value)
            {
                err = Libbpf.MapUpdateElem(Fd, k, v, (ulong)flags);
            }
        }
        finally
        {
            Release(added);
        }

        if (err != 0)
        {
            throw Error("update", err);
        }
    }

    /// <summary>Puts <paramref name="inner"/> under <paramref name="key"/> in this map of maps (the value a map of maps takes is the inner map's fd).</summary>
    public void UpdateInner(ReadOnlySpan<byte> key, BpfArray inner, BpfUpdateFlags flags = BpfUpdateFlags.Any)
    {
        ArgumentNullException.ThrowIfNull(inner);
        var added = false;
        inner.DangerousAddRef(ref added);
        try
        {
            Span<byte> fd = stackalloc byte[sizeof(int)];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(fd, inner.Fd);
            Update(key, fd, flags);
        }
        finally
        {
            if (added)
            {
                inner.DangerousRelease();
            }
        }
    }

    /// <summary>Deletes the key; false when it was not there.</summary>
    public bool TryDelete(ReadOnlySpan<byte> key)
    {
        CheckKey(key);
        int err;
        var added = AddRef();
        try
        {
            fixed (byte* k = key)
            {
                err = Libbpf.MapDeleteElem(Fd, k);
            }
        }
        finally
        {
            Release(added);
        }

        return Found(err, "delete");
    }

    /// <summary>
    /// The key after <paramref name="key"/> (or the first key when <paramref name="key"/> is empty);
    /// false at the end. For hash maps, a key that is no longer present restarts from the first.
    /// </summary>
    public bool TryGetNextKey(ReadOnlySpan<byte> key, Span<byte> nextKey)
    {
        if (!key.IsEmpty)
        {
            CheckKey(key);
        }

        CheckKey(nextKey);
        int err;
        var added = AddRef();
        try
        {
            fixed (byte* k = key)
            fixed (byte* n = nextKey)
            {
                err = Libbpf.MapGetNextKey(Fd, key.IsEmpty ? null : k, n);
            }
        }
        finally
        {
            Release(added);
        }

        return Found(err, "get next key");
    }

    /// <summary>
    /// Looks up and deletes up to <c>keys.Length / KeySize</c> entries in one syscall, continuing from
    /// <paramref name="cursor"/>. Returns how many entries were written; <paramref name="done"/> says the
    /// map has been walked to its end. Throws <see cref="BpfNotSupportedException"/> where the map type
    /// has no batch operations.
    /// </summary>
    public int LookupAndDeleteBatch(ref BpfBatchCursor cursor, Span<byte> keys, Span<byte> values, out bool done)
    {
        if (KeySize > BpfBatchCursor.TokenSize)
        {
            throw new BpfNotSupportedException($"map {Name}: batch operations need keys of at most {BpfBatchCursor.TokenSize} bytes");
        }

        var capacity = keys.Length / KeySize;
        if (capacity == 0 || values.Length < capacity * ValueBufferSize)
        {
            throw new ArgumentException($"map {Name}: batch buffers hold {capacity} keys but values need {capacity * ValueBufferSize} bytes");
        }

        var count = (uint)capacity;
        var opts = new BpfMapBatchOpts { Size = (nuint)sizeof(BpfMapBatchOpts) };
        int err;
        var added = AddRef();
        try
        {
            fixed (byte* k = keys)
            fixed (byte* v = values)
            fixed (BpfBatchCursor* c = &cursor)
            {
                err = Libbpf.MapLookupAndDeleteBatch(Fd, c->Started ? c->Token : null, c->Token, k, v, &count, &opts);
                c->Started = true;
            }
        }
        finally
        {
            Release(added);
        }

        done = err == -Errno.ENOENT;
        if (err == 0 || done)
        {
            return (int)count;
        }

        if (err is -Errno.EINVAL or -Errno.ENOTSUPP or -Errno.EOPNOTSUPP)
        {
            throw new BpfNotSupportedException($"map {Name}: batch lookup and delete: {Errno.Describe(err)}", -err);
        }

        throw Error("batch lookup and delete", err);
    }

    public bool TryLookup<TKey, TValue>(in TKey key, out TValue value)
        where TKey : unmanaged
        where TValue : unmanaged
    {
        value = default;
        return TryLookup(AsBytes(in key), MemoryMarshal.AsBytes(new Span<TValue>(ref value)));
    }

    public void Update<TKey, TValue>(in TKey key, in TValue value, BpfUpdateFlags flags = BpfUpdateFlags.Any)
        where TKey : unmanaged
        where TValue : unmanaged => Update(AsBytes(in key), AsBytes(in value), flags);

    public bool TryDelete<TKey>(in TKey key)
        where TKey : unmanaged => TryDelete(AsBytes(in key));

    /// <summary>
    /// Maps the values of an array map created with <c>BPF_F_MMAPABLE</c> into this process: reads and
    /// writes then go straight to the memory the programs use, without a syscall, field by field.
    /// </summary>
    public BpfMapMemory MapMemory()
    {
        if (Type != BpfConstants.MapTypeArray || (Flags & BpfConstants.MapFlagMmapable) == 0)
        {
            throw new InvalidOperationException($"map {Name}: only array maps created with BPF_F_MMAPABLE can be memory-mapped");
        }

        return BpfMapMemory.Map(this);
    }

    /// <summary>Sums a per-CPU array entry of 64-bit counters over every CPU.</summary>
    public ulong SumPerCpu(uint index)
    {
        if (!IsPerCpu || ValueSize != sizeof(ulong))
        {
            throw new InvalidOperationException($"map {Name}: not a per-CPU map of 64-bit values");
        }

        Span<byte> buffer = ValueBufferSize <= 4096 ? stackalloc byte[ValueBufferSize] : new byte[ValueBufferSize];
        if (!TryLookup(AsBytes(in index), buffer))
        {
            return 0;
        }

        ulong sum = 0;
        for (var offset = 0; offset < buffer.Length; offset += PerCpuStride)
        {
            sum += MemoryMarshal.Read<ulong>(buffer[offset..]);
        }

        return sum;
    }

    public override string ToString() => $"map {Name} (type {Type}, key {KeySize} B, value {ValueSize} B, max {MaxEntries})";

    private static ReadOnlySpan<byte> AsBytes<T>(in T value)
        where T : unmanaged => MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in value));

    private bool AddRef()
    {
        var added = false;
        try
        {
            _owner.Handle.DangerousAddRef(ref added);
        }
        catch (ObjectDisposedException)
        {
            throw new ObjectDisposedException($"object {_owner.Name}", $"map {Name}: the object is closed");
        }

        return added;
    }

    private void Release(bool added)
    {
        if (added)
        {
            _owner.Handle.DangerousRelease();
        }
    }

    /// <summary>0: true; ENOENT (no such key, or no next key): false; anything else throws.</summary>
    private bool Found(int err, string operation)
    {
        if (err == 0)
        {
            return true;
        }

        return err == -Errno.ENOENT ? false : throw Error(operation, err);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private BpfException Error(string operation, int err) =>
        new($"map {Name}: {operation}: {Errno.Describe(err)}", err);

    private void CheckKey(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize)
        {
            ThrowSize("key", key.Length, KeySize);
        }
    }

    private void CheckValue(int length)
    {
        if (length != ValueBufferSize)
        {
            ThrowSize("value", length, ValueBufferSize);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowSize(string what, int actual, int expected) =>
        throw new ArgumentException($"map {Name}: {what} is {actual} bytes, the map needs {expected}");
}

/// <summary>Where a batch walk of a map continues (the kernel's opaque batch token).</summary>
public unsafe struct BpfBatchCursor
{
    internal const int TokenSize = 64;

    // Hash maps use a 4-byte bucket index, array maps a key.
    internal fixed byte Token[TokenSize];
    internal bool Started;
}
