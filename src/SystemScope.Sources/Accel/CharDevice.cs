using System.Runtime.InteropServices;

namespace SystemScope.Sources.Accel;

/// <summary>
/// The device number of a character-device file, from statx (its layout is the same on every
/// architecture, unlike struct stat's).
/// </summary>
internal static partial class CharDevice
{
    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1;
    private const ushort TypeMask = 0xF000;
    private const ushort CharacterDevice = 0x2000;

    /// <summary>(major, minor) when <paramref name="path"/> (followed through links) is a character device; else null.</summary>
    public static (uint Major, uint Minor)? Of(string path)
    {
        Span<byte> buffer = stackalloc byte[256];
        if (Statx(AtFdCwd, path, 0, StatxType, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            return null;
        }

        var mode = BitConverter.ToUInt16(buffer[28..30]);
        return (mode & TypeMask) == CharacterDevice
            ? (BitConverter.ToUInt32(buffer[128..132]), BitConverter.ToUInt32(buffer[132..136]))
            : null;
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, ref byte buffer);
}
