using SystemScope.Symbols.Elf;
using SystemScope.Symbols.Processes;
using SystemScope.Symbols.Tests.Support;

namespace SystemScope.Symbols.Tests;

/// <summary>The ELF reader against binaries the test compiled, with binutils as the reference.</summary>
[Collection(NativeBinariesCollection.Name)]
public sealed class ElfReaderTests(NativeBinaries binaries)
{
    [Fact]
    public void The_build_id_is_read_from_the_note()
    {
        using var handle = File.OpenHandle(binaries.Pie);
        Assert.True(ElfFile.TryOpen(handle, out var elf, out var error), error);
        Assert.Equal(NativeBinaries.PieBuildId, elf!.ReadBuildId());
    }

    [Fact]
    public void The_function_table_matches_nm()
    {
        using var handle = File.OpenHandle(binaries.Pie);
        Assert.True(ElfFile.TryOpen(handle, out var elf, out _));
        Assert.True(ElfFunctionReader.TryRead(elf!, ".symtab", ElfSection.ShtSymtab, out var table, out var error), error);

        var expected = NativeBinaries.NmFunctions(binaries.Pie);
        foreach (var name in (string[])["work_alpha", "work_beta", "after_call", "ends_in_call", "never_returns", "main"])
        {
            var index = table.Find(expected[name]);
            Assert.True(index >= 0, name);
            Assert.Equal((name, expected[name]), (table.NameOf(index), table.StartOf(index)));
        }
    }

    [Fact]
    public void Symbol_versions_are_not_part_of_the_name()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir["v.c"], "int versioned_function(int x) { return x * 3; }\n");
        File.WriteAllText(dir["v.map"], "LIB_1.0 { global: versioned_function; local: *; };\n");
        Tool.Run("gcc", "-shared", "-fPIC", "-O1", "-Wl,--version-script=" + dir["v.map"], "-o", dir["libv.so"], dir["v.c"]);
        Assert.Contains("versioned_function@@LIB_1.0", Tool.Run("readelf", "-Ws", dir["libv.so"]));

        using var handle = File.OpenHandle(dir["libv.so"]);
        Assert.True(ElfFile.TryOpen(handle, out var elf, out _));
        Assert.True(ElfFunctionReader.TryRead(elf!, ".symtab", ElfSection.ShtSymtab, out var table, out var error), error);

        var address = NativeBinaries.NmFunctions(dir["libv.so"]).Single(f => f.Key.StartsWith("versioned_function", StringComparison.Ordinal)).Value;
        Assert.Equal("versioned_function", table.NameOf(table.Find(address)));
    }

    [Fact]
    public void The_debug_link_names_the_debug_file()
    {
        using var handle = File.OpenHandle(binaries.DebugLinked);
        Assert.True(ElfFile.TryOpen(handle, out var elf, out _));
        Assert.Null(elf!.ReadBuildId());
        Assert.True(elf.TryReadDebugLink(out var name, out var crc));
        Assert.Equal("debuglinked.debug", name);
        using var debug = File.OpenHandle(Path.Combine(binaries.Directory, name));
        Assert.Equal(crc, Crc32.OfFile(debug));
    }

    [Fact]
    public void Crc32_matches_the_standard_check_value()
    {
        Assert.Equal(0xCBF43926u, Crc32.Append(0, "123456789"u8));
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3 }, "not an ELF file (shorter than an ELF header)")]
    [InlineData(new byte[] { 0x7F, (byte)'E', (byte)'L', (byte)'F', 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, "not a 64-bit ELF file")]
    public void Bad_files_are_refused_with_a_reason(byte[] content, string reason)
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir["bad"], content);
        using var handle = File.OpenHandle(dir["bad"]);

        Assert.False(ElfFile.TryOpen(handle, out _, out var error));
        Assert.Equal(reason, error);
    }

    [Fact]
    public void A_truncated_binary_is_refused_not_crashed_on()
    {
        using var dir = new TempDirectory();
        var bytes = File.ReadAllBytes(binaries.Pie);
        File.WriteAllBytes(dir["truncated"], bytes[..2048]);
        using var handle = File.OpenHandle(dir["truncated"]);

        // Headers fit, the section table does not.
        Assert.False(ElfFile.TryOpen(handle, out _, out var error));
        Assert.Equal("section header table lies beyond the end of the file", error);
    }

    [Fact]
    public void Maps_lines_parse_with_spaces_deleted_marks_and_anonymous_regions()
    {
        var text = """
            558f8b203000-558f8b20f000 r-xp 00005000 fe:00 345402                     /usr/share/dotnet/dotnet
            7f61a7230000-7f61a7231000 r-xs 00000000 00:01 1068                       /memfd:doublemapper (deleted)
            7f61a7240000-7f61a7250000 rw-p 00000000 00:00 0
            7f61a7260000-7f61a7270000 r-xp 00000000 00:00 0
            7f61a7280000-7f61a7290000 r-xp 00001000 08:01 77                         /opt/my app/lib x.so (deleted)
            bad line
            """u8;
        var mappings = MapsParser.ParseExecutable(text);

        Assert.Equal(4, mappings.Count);
        Assert.Equal((0x558f8b203000UL, 0x558f8b20f000UL, 0x5000UL, 345402UL), (mappings[0].Start, mappings[0].End, mappings[0].Offset, mappings[0].Inode));
        Assert.Equal("558f8b203000-558f8b20f000", mappings[0].Range);
        Assert.Equal((MappingKind.Jit, "memfd:doublemapper"), Classify(mappings[1].Path));
        Assert.Equal((MappingKind.Jit, "[anon]"), Classify(mappings[2].Path));
        Assert.Equal((MappingKind.File, "lib x.so"), Classify(mappings[3].Path));
        Assert.Equal("/opt/my app/lib x.so", ExecutableMapping.Classify(mappings[3].Path).FilePath);
        Assert.Equal((MappingKind.Special, "[vdso]"), Classify("[vdso]"));
    }

    private static (MappingKind, string) Classify(string path)
    {
        var (kind, module, _) = ExecutableMapping.Classify(path);
        return (kind, module);
    }
}
