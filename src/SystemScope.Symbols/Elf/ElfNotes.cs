using System.Buffers.Binary;

namespace SystemScope.Symbols.Elf;

/// <summary>Walks ELF note records (namesz, descsz, type, name, desc; each padded to 4 bytes).</summary>
internal static class ElfNotes
{
    private const uint NtGnuBuildId = 3;

    /// <summary>The GNU build id in lower-case hex, or null when the notes hold none.</summary>
    public static string? FindGnuBuildId(ReadOnlySpan<byte> notes)
    {
        while (notes.Length >= 12)
        {
            var nameSize = BinaryPrimitives.ReadUInt32LittleEndian(notes);
            var descSize = BinaryPrimitives.ReadUInt32LittleEndian(notes[4..]);
            var type = BinaryPrimitives.ReadUInt32LittleEndian(notes[8..]);
            var nameEnd = 12 + Align4(nameSize);
            var descEnd = nameEnd + Align4(descSize);
            if (nameSize > (ulong)notes.Length || descSize > (ulong)notes.Length || descEnd > (ulong)notes.Length)
            {
                return null;
            }

            var name = notes.Slice(12, (int)nameSize);
            if (type == NtGnuBuildId && name.SequenceEqual("GNU\0"u8) && descSize is > 0 and <= 64)
            {
                return Convert.ToHexStringLower(notes.Slice((int)nameEnd, (int)descSize));
            }

            notes = notes[(int)descEnd..];
        }

        return null;
    }

    private static ulong Align4(uint value) => ((ulong)value + 3) & ~3UL;
}
