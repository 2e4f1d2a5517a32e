using System.Runtime.InteropServices;
using System.Text;
using SystemScope.Bpf.Interop;

namespace SystemScope.Bpf;

/// <summary>
/// An array map created on its own, outside any object, to be put into a map of maps (each with its
/// own length, <c>BPF_F_INNER_MAP</c>): its values are written once through a memory mapping
/// (<c>BPF_F_MMAPABLE</c>), and the kernel frees it when the last fd and the last outer map holding
/// it let go. Disposing closes this fd.
/// </summary>
public sealed unsafe class BpfArray : SafeHandle
{
    private const int BpfMapTypeArray = 2;

    /// <summary>BPF_F_MMAPABLE | BPF_F_INNER_MAP: the flags of every array made here; the outer map's template must have the same.</summary>
    public const uint Flags = (1u << 10) | (1u << 12);

    private BpfArray(int fd, string name, int valueSize, uint entries)
        : base(-1, ownsHandle: true)
    {
        SetHandle(fd);
        Name = name;
        ValueSize = valueSize;
        Entries = entries;
    }

    public string Name { get; }

    public int ValueSize { get; }

    public uint Entries { get; }

    /// <summary>Bytes the kernel holds for the values (whole pages).</summary>
    public long Bytes => BpfMapMemory.MappedLength(ValueSize, Entries);

    public override bool IsInvalid => handle == -1;

    internal int Fd => (int)handle;

    /// <summary>
    /// A new array of <paramref name="entries"/> values of <paramref name="valueSize"/> bytes holding
    /// <paramref name="values"/> (the rest zero). Throws <see cref="BpfException"/> when the kernel refuses.
    /// </summary>
    public static BpfArray Create(string name, int valueSize, uint entries, ReadOnlySpan<byte> values)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(valueSize, 1);
        ArgumentOutOfRangeException.ThrowIfZero(entries);
        var stride = (valueSize + 7) & ~7;
        if (values.Length > (long)stride * entries)
        {
            throw new ArgumentException($"map {name}: {values.Length} bytes do not fit {entries} values of {valueSize} bytes");
        }

        var opts = new BpfMapCreateOpts { Size = (nuint)sizeof(BpfMapCreateOpts), MapFlags = Flags };
        var nameBytes = Encoding.ASCII.GetBytes(name.Length > 15 ? name[..15] : name + "\0");
        int fd;
        fixed (byte* n = nameBytes)
        {
            fd = Libbpf.MapCreate(BpfMapTypeArray, n, 4, (uint)valueSize, entries, &opts);
        }

        if (fd < 0)
        {
            throw new BpfException($"map {name}: create ({entries} × {valueSize} B): {Errno.Describe(fd)}", -fd);
        }

        var array = new BpfArray(fd, name, valueSize, entries);
        try
        {
            array.Write(values);
            return array;
        }
        catch
        {
            array.Dispose();
            throw;
        }
    }

    protected override bool ReleaseHandle() => Libc.Close((int)handle) == 0;

    private void Write(ReadOnlySpan<byte> values)
    {
        if (values.IsEmpty)
        {
            return;
        }

        var length = (nuint)Bytes;
        var address = Libc.Mmap(0, length, Libc.ProtRead | Libc.ProtWrite, Libc.MapShared, Fd, 0);
        if (address == Libc.MapFailed)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw new BpfException($"map {Name}: mmap: {Errno.Describe(errno)}", errno);
        }

        try
        {
            values.CopyTo(new Span<byte>((void*)address, values.Length));
        }
        finally
        {
            Libc.Munmap(address, length);
        }
    }
}
