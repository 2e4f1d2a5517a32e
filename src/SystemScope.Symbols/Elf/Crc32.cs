using Microsoft.Win32.SafeHandles;

namespace SystemScope.Symbols.Elf;

/// <summary>The CRC-32 (IEEE, reflected) that <c>.gnu_debuglink</c> records for the debug file.</summary>
internal static class Crc32
{
    private static readonly uint[] Table = CreateTable();

    public static uint Append(uint crc, ReadOnlySpan<byte> data)
    {
        crc = ~crc;
        foreach (var b in data)
        {
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return ~crc;
    }

    /// <summary>The CRC of a whole file, read in blocks.</summary>
    public static uint OfFile(SafeFileHandle handle)
    {
        var buffer = new byte[64 * 1024];
        uint crc = 0;
        long offset = 0;
        int read;
        while ((read = RandomAccess.Read(handle, buffer, offset)) > 0)
        {
            crc = Append(crc, buffer.AsSpan(0, read));
            offset += read;
        }

        return crc;
    }

    private static uint[] CreateTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < table.Length; i++)
        {
            var c = i;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            }

            table[i] = c;
        }

        return table;
    }
}
