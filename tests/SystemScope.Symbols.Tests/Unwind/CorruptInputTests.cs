using System.Buffers.Binary;
using SystemScope.Symbols.Elf;
using SystemScope.Symbols.Tests.Support;
using SystemScope.Symbols.Unwind;

namespace SystemScope.Symbols.Tests.Unwind;

/// <summary>Damaged unwind sections give a reason and what was good, never an exception or a hang.</summary>
[Collection(UnwindBinariesCollection.Name)]
public sealed class CorruptInputTests(UnwindBinaries binaries) : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public void A_truncated_section_keeps_the_fdes_before_the_cut()
    {
        var (section, _) = EhFrame(binaries.WithoutFramePointers);
        var entries = Entries(binaries.WithoutFramePointers);
        var cut = entries[^2].Offset + 6; // inside the second-to-last entry
        var path = Patched(binaries.WithoutFramePointers, (file, elf) => SetSectionSize(file, elf, ".eh_frame", (ulong)cut));

        Assert.True(UnwindTableBuilder.TryBuild(path, out var table, out var error), error);
        Assert.Contains("runs past the end of the section", error, StringComparison.Ordinal);
        Assert.Equal(1, table.Statistics.Defects(UnwindDefect.EntryPastEnd));
        TableInvariants.AssertWellFormed(table);

        Assert.True(UnwindTableBuilder.TryBuild(binaries.WithoutFramePointers, out var whole, out _));
        Assert.True(table.Functions.Length > 0 && table.Functions.Length < whole.Functions.Length);
        Assert.All(table.Functions, f => Assert.Contains(f, whole.Functions));
        Assert.True(section.Size > (ulong)cut);
    }

    [Fact]
    public void A_length_running_past_the_end_stops_the_walk_there()
    {
        var last = Entries(binaries.WithoutFramePointers).Last(e => !e.IsCie && e.Length > 0);
        var path = Patched(binaries.WithoutFramePointers, (file, elf) => WriteU32(file, EhFrame(elf).Offset + (ulong)last.Offset, 0x7FFFFFF0));

        Assert.True(UnwindTableBuilder.TryBuild(path, out var table, out var error), error);
        Assert.Contains("at 0x" + last.Offset.ToString("x"), error, StringComparison.Ordinal);
        Assert.Equal(1, table.Statistics.Defects(UnwindDefect.EntryPastEnd));
        Assert.True(table.Rows.Length > 10);
    }

    [Fact]
    public void A_huge_augmentation_length_loses_only_that_cies_fdes()
    {
        // The program's own CIE ("zR"): length, id, version, "zR\0", code and data alignment, RA column, then the augmentation length.
        var cies = Entries(binaries.WithoutFramePointers).Where(e => e.IsCie).ToList();
        Assert.True(cies.Count >= 2, "the C runtime's _start and the program have a CIE each");
        var programCie = cies[^1];
        var path = Patched(binaries.WithoutFramePointers, (file, elf) =>
        {
            file.Position = (long)(EhFrame(elf).Offset + (ulong)programCie.Offset + 15);
            file.Write([0xFF, 0xFF, 0xFF, 0xFF, 0x0F]);
        });

        Assert.True(UnwindTableBuilder.TryBuild(path, out var table, out var error), error);
        Assert.Contains("augmentation data runs past the CIE", error, StringComparison.Ordinal);
        Assert.Equal(1, table.Statistics.Defects(UnwindDefect.BadCie));
        Assert.True(table.Statistics.FdesSkipped > 10);
        var start = NativeBinaries.NmFunctions(binaries.WithoutFramePointers)["_start"];
        Assert.True(table.TryFind(start, out var row));
        Assert.Equal(UnwindRule.End, row.Rule); // the other CIE's FDE is untouched
    }

    [Fact]
    public void Garbage_in_the_middle_is_survived()
    {
        var random = new Random(7);
        for (var round = 0; round < 20; round++)
        {
            var path = Patched(binaries.WithoutFramePointers, (file, elf) =>
            {
                var section = EhFrame(elf);
                var garbage = new byte[(int)section.Size / 3];
                random.NextBytes(garbage);
                file.Position = (long)section.Offset + garbage.Length;
                file.Write(garbage);
            });

            var built = UnwindTableBuilder.TryBuild(path, out var table, out var error);
            Assert.True(built || error is not null);
            Assert.NotNull(error);
            TableInvariants.AssertWellFormed(table);
        }
    }

    [Fact]
    public void Missing_and_non_elf_files_give_a_reason()
    {
        Assert.False(UnwindTableBuilder.TryBuild(_directory["absent"], out var table, out var error));
        Assert.NotNull(error);
        Assert.Empty(table.Rows);
        Assert.Equal("none", table.Source);

        File.WriteAllText(_directory["text"], "not an ELF file at all, just text that is long enough to have a header's worth of bytes in it");
        Assert.False(UnwindTableBuilder.TryBuild(_directory["text"], out _, out error));
        Assert.Equal("not an ELF file", error);

        var noUnwind = Patched(binaries.WithoutFramePointers, (file, elf) => RenameSection(file, elf, ".eh_frame"));
        Assert.False(UnwindTableBuilder.TryBuild(noUnwind, out table, out error));
        Assert.Equal("no .eh_frame or .debug_frame", error);
    }

    public void Dispose() => _directory.Dispose();

    internal static ElfSection EhFrame(ElfFile elf) => elf.FindSection(".eh_frame", 1) ?? throw new InvalidOperationException("no .eh_frame");

    private static (ElfSection Section, byte[] Bytes) EhFrame(string path)
    {
        using var handle = File.OpenHandle(path);
        Assert.True(ElfFile.TryOpen(handle, out var elf, out _));
        var section = EhFrame(elf!);
        var bytes = new byte[section.Size];
        Assert.True(ElfFile.TryRead(handle, elf!.Length, section.Offset, bytes));
        return (section, bytes);
    }

    /// <summary>The entries of a well-formed .eh_frame (32-bit lengths), as a reader of the format sees them.</summary>
    private static List<(int Offset, uint Length, bool IsCie)> Entries(string path)
    {
        var (_, bytes) = EhFrame(path);
        var entries = new List<(int, uint, bool)>();
        for (var offset = 0; offset + 8 <= bytes.Length;)
        {
            var length = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset));
            entries.Add((offset, length, length > 0 && BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 4)) == 0));
            offset += 4 + (int)length;
        }

        return entries;
    }

    private string Patched(string original, Action<FileStream, ElfFile> patch)
    {
        var path = _directory[$"patched-{Guid.NewGuid():N}"];
        File.Copy(original, path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        Assert.True(ElfFile.TryOpen(file.SafeFileHandle, out var elf, out _));
        patch(file, elf!);
        return path;
    }

    private static void WriteU32(FileStream file, ulong offset, uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        file.Position = (long)offset;
        file.Write(bytes);
    }

    // Section header n is at e_shoff + n * 64; sh_name is at +0, sh_size at +32.
    private static ulong SectionHeader(ElfFile elf, string name) =>
        elf.Header.SectionHeaderOffset + ((ulong)Array.FindIndex(elf.Sections, s => s.Name == name) * ElfSection.HeaderSize);

    private static void SetSectionSize(FileStream file, ElfFile elf, string name, ulong size)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, size);
        file.Position = (long)SectionHeader(elf, name) + 32;
        file.Write(bytes);
    }

    // Pointing sh_name at the empty string hides the section from readers that go by name.
    private static void RenameSection(FileStream file, ElfFile elf, string name) => WriteU32(file, SectionHeader(elf, name), 0);
}
