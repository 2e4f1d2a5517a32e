using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SystemScope.Bpf.Interop;

namespace SystemScope.Bpf;

/// <summary>
/// The values of a memory-mapped array map (see <see cref="BpfMap.MapMemory"/>). Valid until disposed;
/// holds a reference on the map's object, so the map outlives the mapping. The kernel's programs
/// access the same bytes concurrently: write shared fields with <see cref="Volatile"/> or
/// <see cref="Interlocked"/> where the order of writes matters.
/// </summary>
public sealed unsafe class BpfMapMemory : SafeHandle
{
    private readonly BpfObjectHandle _owner;
    private bool _ownerAdded;

    private BpfMapMemory(BpfMap map)
        : base(0, ownsHandle: true)
    {
        MapName = map.Name;
        ValueSize = map.ValueSize;
        Entries = (int)map.MaxEntries;
        Stride = (ValueSize + 7) & ~7; // array values are 8-byte aligned
        Length = (nuint)MappedLength(ValueSize, map.MaxEntries);
        _owner = map.Owner.Handle;
        _owner.DangerousAddRef(ref _ownerAdded);
        var address = Libc.Mmap(0, Length, Libc.ProtRead | Libc.ProtWrite, Libc.MapShared, map.Fd, 0);
        if (address == Libc.MapFailed)
        {
            var errno = Marshal.GetLastPInvokeError();
            ReleaseOwner();
            throw new BpfException($"map {map.Name}: mmap: {Errno.Describe(errno)}", errno);
        }

        SetHandle(address);
    }

    public string MapName { get; }

    public int ValueSize { get; }

    public int Entries { get; }

    public override bool IsInvalid => handle == 0;

    private nuint Length { get; }

    private int Stride { get; }

    /// <summary>
    /// The value at <paramref name="index"/> as a <typeparamref name="T"/>, in place. Do not use the
    /// reference after disposing this mapping.
    /// </summary>
    public ref T Value<T>(int index = 0)
        where T : unmanaged
    {
        ObjectDisposedException.ThrowIf(IsClosed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Entries);
        if (Unsafe.SizeOf<T>() != ValueSize)
        {
            throw new ArgumentException($"map {MapName}: values are {ValueSize} bytes, {typeof(T).Name} is {Unsafe.SizeOf<T>()}");
        }

        return ref Unsafe.AsRef<T>((void*)(handle + (index * Stride)));
    }

    internal static BpfMapMemory Map(BpfMap map) => new(map);

    /// <summary>Bytes an array map of <paramref name="entries"/> values takes, and a mapping of it covers: 8-byte-aligned values, whole pages.</summary>
    internal static long MappedLength(int valueSize, uint entries)
    {
        var page = Environment.SystemPageSize;
        return ((((long)(valueSize + 7) & ~7) * entries) + page - 1) / page * page;
    }

    protected override bool ReleaseHandle()
    {
        var ok = Libc.Munmap(handle, Length) == 0;
        ReleaseOwner();
        return ok;
    }

    private void ReleaseOwner()
    {
        if (_ownerAdded)
        {
            _ownerAdded = false;
            _owner.DangerousRelease();
        }
    }
}
