using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace SystemScope.Symbols.Runtimes.Jvm;

/// <summary>What an hsperfdata counter measures (<c>PerfData::Units</c>).</summary>
internal enum HsPerfUnits : byte
{
    None = 1,
    Bytes = 2,
    Ticks = 3,
    Events = 4,
    String = 5,
    Hertz = 6,
}

/// <summary>One counter: a long (<c>J</c>) or a string (a byte vector with units String).</summary>
internal readonly record struct HsPerfEntry(string Name, HsPerfUnits Units, byte Variability, long Value, string? Text);

/// <summary>
/// A HotSpot JVM's performance counters, read from its shared memory file
/// (<c>/tmp/hsperfdata_USER/NSPID</c>) without attaching: a 32-byte prologue (magic <c>CA FE C0 C0</c>,
/// byte order, version, used size, entry offset and count) and entries (length, name offset, vector
/// length, type, flags, units, variability, data offset). The JVM updates the file in place; a read
/// is a snapshot. Absent with <c>-XX:-UsePerfData</c>.
/// </summary>
internal sealed partial class HsPerfData
{
    private const int ReadOnlyCloseOnExec = 0x80000; // O_RDONLY | O_CLOEXEC

    private const uint Magic = 0xCAFEC0C0;
    private const int PrologueBytes = 32;
    private const int EntryHeaderBytes = 20;

    private readonly Dictionary<string, HsPerfEntry> _entries;

    private HsPerfData(Dictionary<string, HsPerfEntry> entries) => _entries = entries;

    public IReadOnlyCollection<HsPerfEntry> Entries => _entries.Values;

    /// <summary>The file of process <paramref name="pid"/>, seen through its root (any user's directory), or null.</summary>
    public static string? Find(string procRoot, int pid, int nsPid)
    {
        var tmp = $"{procRoot}/{pid}/root/tmp";
        try
        {
            return Directory.EnumerateDirectories(tmp, "hsperfdata_*")
                .Select(d => Path.Combine(d, nsPid.ToString(System.Globalization.CultureInfo.InvariantCulture)))
                .FirstOrDefault(File.Exists);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// The file's bytes. The JVM holds an exclusive flock on it, and .NET's file APIs take a shared one
    /// (and fail): the file is opened with open(2) directly, which takes none.
    /// </summary>
    public static byte[] ReadWithoutLock(string path)
    {
        var fd = Open(path, ReadOnlyCloseOnExec);
        if (fd < 0)
        {
            throw new IOException($"cannot open {path}: {Marshal.GetLastPInvokeErrorMessage()}");
        }

        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        var bytes = new byte[RandomAccess.GetLength(handle)];
        var read = 0;
        while (read < bytes.Length && RandomAccess.Read(handle, bytes.AsSpan(read), read) is var n and > 0)
        {
            read += n;
        }

        return read == bytes.Length ? bytes : bytes[..read];
    }

    /// <summary>Parses a snapshot of the file; throws <see cref="InvalidDataException"/> naming what is wrong.</summary>
    public static HsPerfData Parse(ReadOnlySpan<byte> data)
    {
        if (data.Length < PrologueBytes || BinaryPrimitives.ReadUInt32BigEndian(data) != Magic)
        {
            throw new InvalidDataException("not an hsperfdata file (magic CA FE C0 C0 missing)");
        }

        var little = data[4] == 1;
        int Int(ReadOnlySpan<byte> at) => little ? BinaryPrimitives.ReadInt32LittleEndian(at) : BinaryPrimitives.ReadInt32BigEndian(at);
        long Long(ReadOnlySpan<byte> at) => little ? BinaryPrimitives.ReadInt64LittleEndian(at) : BinaryPrimitives.ReadInt64BigEndian(at);

        var used = Math.Min(Int(data[8..]), data.Length);
        var offset = Int(data[24..]);
        var count = Int(data[28..]);
        var entries = new Dictionary<string, HsPerfEntry>(Math.Max(count, 0), StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            if (offset < PrologueBytes || offset + EntryHeaderBytes > used)
            {
                throw new InvalidDataException($"entry {i} at offset {offset} lies outside the {used} bytes in use");
            }

            var entry = data[offset..used];
            var length = Int(entry);
            var nameOffset = Int(entry[4..]);
            var vectorLength = Int(entry[8..]);
            var type = (char)entry[12];
            var units = (HsPerfUnits)entry[14];
            var variability = entry[15];
            var dataOffset = Int(entry[16..]);
            if (length < EntryHeaderBytes || length > entry.Length || nameOffset >= length || dataOffset > length || nameOffset < EntryHeaderBytes)
            {
                throw new InvalidDataException($"entry {i} at offset {offset} is malformed (length {length})");
            }

            var nameBytes = entry[nameOffset..length];
            var name = Encoding.ASCII.GetString(nameBytes[..Math.Max(nameBytes.IndexOf((byte)0), 0)]);
            if (vectorLength == 0 && type == 'J' && dataOffset + 8 <= length)
            {
                entries[name] = new HsPerfEntry(name, units, variability, Long(entry[dataOffset..]), null);
            }
            else if (vectorLength > 0 && type == 'B' && dataOffset + vectorLength <= length)
            {
                var bytes = entry.Slice(dataOffset, vectorLength);
                var end = bytes.IndexOf((byte)0);
                entries[name] = new HsPerfEntry(name, units, variability, 0, Encoding.UTF8.GetString(end < 0 ? bytes : bytes[..end]));
            }

            offset += length;
        }

        return new HsPerfData(entries);
    }

    public long? Long(string name) => _entries.TryGetValue(name, out var entry) && entry.Text is null ? entry.Value : null;

    public string? Text(string name) => _entries.TryGetValue(name, out var entry) ? entry.Text : null;

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);
}
