using Microsoft.Win32.SafeHandles;

namespace SystemScope.Symbols.Elf;

/// <summary>Where an ELF file's bytes come from: an open file, or an image in memory (MiniDebugInfo, the vDSO).</summary>
internal abstract class ElfBytes
{
    public abstract long Length { get; }

    /// <summary>Reads exactly <paramref name="buffer"/>.Length bytes at <paramref name="offset"/>, false when there are fewer.</summary>
    public abstract bool TryRead(ulong offset, Span<byte> buffer);

    protected bool Covers(ulong offset, int count) => offset <= (ulong)Length && (ulong)count <= (ulong)Length - offset;
}

/// <summary>A file read through its handle, a piece at a time; the handle stays owned by the caller.</summary>
internal sealed class FileElfBytes(SafeFileHandle handle) : ElfBytes
{
    public override long Length { get; } = RandomAccess.GetLength(handle);

    public override bool TryRead(ulong offset, Span<byte> buffer) => TryRead(handle, Length, offset, buffer);

    /// <summary>Reads exactly <paramref name="buffer"/>.Length bytes at <paramref name="offset"/> of a file <paramref name="length"/> bytes long.</summary>
    public static bool TryRead(SafeFileHandle handle, long length, ulong offset, Span<byte> buffer)
    {
        if (offset > (ulong)length || (ulong)buffer.Length > (ulong)length - offset)
        {
            return false;
        }

        var done = 0;
        while (done < buffer.Length)
        {
            var read = RandomAccess.Read(handle, buffer[done..], (long)offset + done);
            if (read <= 0)
            {
                return false;
            }

            done += read;
        }

        return true;
    }
}

/// <summary>An ELF image held in memory.</summary>
internal sealed class MemoryElfBytes(ReadOnlyMemory<byte> image) : ElfBytes
{
    public override long Length => image.Length;

    public override bool TryRead(ulong offset, Span<byte> buffer)
    {
        if (!Covers(offset, buffer.Length))
        {
            return false;
        }

        image.Span.Slice((int)offset, buffer.Length).CopyTo(buffer);
        return true;
    }
}
