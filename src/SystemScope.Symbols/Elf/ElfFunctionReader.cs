using System.Buffers;
using System.Buffers.Binary;

namespace SystemScope.Symbols.Elf;

/// <summary>
/// Reads the function symbols (STT_FUNC, STT_GNU_IFUNC, defined, sized) of <c>.symtab</c> or
/// <c>.dynsym</c> into a <see cref="FunctionTable"/>. Aliases at one address collapse to the best name.
/// </summary>
internal static class ElfFunctionReader
{
    private const int SymbolSize = 24;
    private const int ChunkSymbols = 4096;
    private const long MaxStringTableBytes = 512L * 1024 * 1024;
    private const long MaxSymbols = 16L * 1024 * 1024;
    private const byte SttFunc = 2;
    private const byte SttGnuIfunc = 10;
    private const byte StbLocal = 0;
    private const byte StbGlobal = 1;
    private const byte StbWeak = 2;

    /// <summary>Reads the named symbol table; false (with a reason) when absent or malformed.</summary>
    public static bool TryRead(ElfFile elf, string sectionName, uint sectionType, out FunctionTable table, out string? error) =>
        TryReadMerged([(elf, sectionName, sectionType)], out table, out error);

    /// <summary>
    /// Reads several symbol tables into one, as tools do for MiniDebugInfo (its <c>.symtab</c> holds the
    /// functions that the binary's <c>.dynsym</c> lacks). Fails when any of them is absent or malformed.
    /// </summary>
    public static bool TryReadMerged(ReadOnlySpan<(ElfFile Elf, string SectionName, uint SectionType)> tables, out FunctionTable table, out string? error)
    {
        table = FunctionTable.Empty;
        var strings = new byte[tables.Length][];
        var lengths = new int[tables.Length];
        try
        {
            var candidates = new List<Candidate>();
            for (var source = 0; source < tables.Length; source++)
            {
                var (elf, sectionName, sectionType) = tables[source];
                if (!TryReadStrings(elf, sectionName, sectionType, out var symtab, out strings[source], out lengths[source], out error)
                    || !TryCollect(elf, symtab, strings[source].AsSpan(0, lengths[source]), (byte)source, candidates))
                {
                    error ??= $"{sectionName}: symbol table lies beyond the end of the file";
                    return false;
                }
            }

            var names = new ReadOnlyMemory<byte>[tables.Length];
            for (var source = 0; source < names.Length; source++)
            {
                names[source] = strings[source].AsMemory(0, lengths[source]);
            }

            table = Build(candidates, names);
            error = null;
            return true;
        }
        finally
        {
            foreach (var rented in strings)
            {
                if (rented is not null)
                {
                    ArrayPool<byte>.Shared.Return(rented);
                }
            }
        }
    }

    private static bool TryReadStrings(ElfFile elf, string sectionName, uint sectionType, out ElfSection symtab, out byte[] strings, out int length, out string? error)
    {
        strings = null!;
        length = 0;
        if (elf.FindSection(sectionName, sectionType) is not { } found)
        {
            symtab = default;
            error = $"no {sectionName}";
            return false;
        }

        symtab = found;
        if (symtab.EntrySize != SymbolSize || symtab.Link >= elf.Sections.Length)
        {
            error = $"{sectionName}: bad entry size {symtab.EntrySize} or string table index {symtab.Link}";
            return false;
        }

        var strtab = elf.Sections[symtab.Link];
        if (strtab.Type != ElfSection.ShtStrtab || strtab.Size > MaxStringTableBytes || symtab.Size / SymbolSize > MaxSymbols)
        {
            error = $"{sectionName}: string table missing or too large";
            return false;
        }

        length = (int)strtab.Size;
        strings = ArrayPool<byte>.Shared.Rent(Math.Max(1, length));
        if (!elf.TryRead(strtab.Offset, strings.AsSpan(0, length)))
        {
            error = $"{sectionName}: string table lies beyond the end of the file";
            return false;
        }

        error = null;
        return true;
    }

    private static bool TryCollect(ElfFile elf, ElfSection symtab, ReadOnlySpan<byte> strings, byte source, List<Candidate> candidates)
    {
        var total = (long)(symtab.Size / SymbolSize);
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkSymbols * SymbolSize);
        try
        {
            // Symbol 0 is always the null symbol.
            for (long first = 1; first < total; first += ChunkSymbols)
            {
                var count = (int)Math.Min(ChunkSymbols, total - first);
                var data = chunk.AsSpan(0, count * SymbolSize);
                if (!elf.TryRead(symtab.Offset + ((ulong)first * SymbolSize), data))
                {
                    return false;
                }

                for (var i = 0; i < count; i++)
                {
                    var entry = data.Slice(i * SymbolSize, SymbolSize);
                    var info = entry[4];
                    var type = (byte)(info & 0xF);
                    var sectionIndex = BinaryPrimitives.ReadUInt16LittleEndian(entry[6..]);
                    var value = BinaryPrimitives.ReadUInt64LittleEndian(entry[8..]);
                    var size = BinaryPrimitives.ReadUInt64LittleEndian(entry[16..]);
                    var nameOffset = BinaryPrimitives.ReadUInt32LittleEndian(entry);

                    // Undefined (imports) and unsized symbols cannot say which addresses they cover.
                    if ((type != SttFunc && type != SttGnuIfunc) || sectionIndex == 0 || size == 0 || value + size < value
                        || nameOffset >= (uint)strings.Length || strings[(int)nameOffset] == 0)
                    {
                        continue;
                    }

                    candidates.Add(new Candidate(value, value + size, (int)nameOffset, (byte)(info >> 4), source));
                }
            }

            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private static FunctionTable Build(List<Candidate> candidates, ReadOnlyMemory<byte>[] strings)
    {
        candidates.Sort(static (a, b) => a.Start.CompareTo(b.Start));

        var starts = new List<ulong>(candidates.Count);
        var ends = new List<ulong>(candidates.Count);
        var offsets = new List<int>(candidates.Count);
        var blob = new ArrayBufferWriter<byte>();
        for (var i = 0; i < candidates.Count;)
        {
            var best = candidates[i];
            var end = best.End;
            var j = i + 1;
            for (; j < candidates.Count && candidates[j].Start == best.Start; j++)
            {
                end = Math.Max(end, candidates[j].End);
                if (IsBetter(candidates[j], best, strings))
                {
                    best = candidates[j];
                }
            }

            starts.Add(best.Start);
            ends.Add(end);
            offsets.Add(blob.WrittenCount);
            var name = NameOf(best, strings);
            blob.Write(name);
            blob.Write([(byte)0]);
            i = j;
        }

        return new FunctionTable([.. starts], [.. ends], [.. offsets], blob.WrittenSpan.ToArray());
    }

    // Among aliases prefer what people call the function: global over weak over local, then
    // fewer leading underscores, then the shorter name (memcpy over __memcpy_avx_unaligned).
    private static bool IsBetter(Candidate a, Candidate b, ReadOnlyMemory<byte>[] strings)
    {
        var rankA = BindingRank(a.Binding);
        var rankB = BindingRank(b.Binding);
        if (rankA != rankB)
        {
            return rankA > rankB;
        }

        var nameA = NameOf(a, strings);
        var nameB = NameOf(b, strings);
        var underscoresA = nameA.Length - nameA.TrimStart((byte)'_').Length;
        var underscoresB = nameB.Length - nameB.TrimStart((byte)'_').Length;
        if (underscoresA != underscoresB)
        {
            return underscoresA < underscoresB;
        }

        return nameA.Length != nameB.Length ? nameA.Length < nameB.Length : nameA.SequenceCompareTo(nameB) < 0;
    }

    private static int BindingRank(byte binding) => binding switch
    {
        StbGlobal => 3,
        StbWeak => 2,
        StbLocal => 1,
        _ => 0,
    };

    private static ReadOnlySpan<byte> NameOf(Candidate candidate, ReadOnlyMemory<byte>[] strings) => NameAt(strings[candidate.Source].Span, candidate.NameOffset);

    /// <summary>The name without a symbol version (<c>clock_gettime@@GLIBC_2.17</c> is <c>clock_gettime</c>).</summary>
    private static ReadOnlySpan<byte> NameAt(ReadOnlySpan<byte> strings, int offset)
    {
        var rest = strings[offset..];
        var end = rest.IndexOf((byte)0);
        var name = end < 0 ? rest : rest[..end];
        var version = name.IndexOf((byte)'@');
        return version > 0 ? name[..version] : name;
    }

    private readonly record struct Candidate(ulong Start, ulong End, int NameOffset, byte Binding, byte Source);
}
