using SystemScope.Core.Symbols;
using SystemScope.Symbols.Tests.Support;
using static SystemScope.Symbols.Tests.NativeSymbolizationTests;

namespace SystemScope.Symbols.Tests;

/// <summary>Code that cannot be named is never dropped: it becomes module+0xoffset.</summary>
[Collection(NativeBinariesCollection.Name)]
public sealed class UnknownFrameTests(NativeBinaries binaries)
{
    [Fact]
    public void A_leaf_in_no_mapping_is_unknown_with_its_address()
    {
        using var symbolizer = new Symbolizer();
        using var program = binaries.Start(binaries.Pie);

        var frames = Frames.User(symbolizer, program.Pid, 0x10);
        AssertFrame(Assert.Single(frames), "[unknown]+0x10", "[unknown]", FrameKind.Unknown);
        Assert.Same(frames[0], Frames.User(symbolizer, program.Pid, 0x10)[0]);
    }

    [Fact]
    public void An_address_in_the_vdso_is_named_by_its_offset_in_the_mapping()
    {
        using var symbolizer = new Symbolizer();
        using var program = binaries.Start(binaries.Pie);
        var vdso = File.ReadLines($"/proc/{program.Pid}/maps").First(l => l.EndsWith("[vdso]", StringComparison.Ordinal));
        var start = Convert.ToUInt64(vdso[..vdso.IndexOf('-')], 16);

        AssertFrame(Frames.User(symbolizer, program.Pid, start + 0x10)[0], "[vdso]+0x10", "[vdso]", FrameKind.Unknown);
    }

    [Fact]
    public void An_unknown_process_gives_unknown_frames_not_errors()
    {
        using var symbolizer = new Symbolizer();
        var frames = Frames.User(symbolizer, int.MaxValue - 7, 0x1234);
        AssertFrame(frames[0], "[unknown]+0x1234", "[unknown]", FrameKind.Unknown);
    }

    [Fact]
    public void An_executable_mapping_of_a_file_that_is_not_elf_is_named_by_file_offset()
    {
        using var symbolizer = new Symbolizer(new SymbolizerOptions { MapsRefreshInterval = TimeSpan.Zero });
        using var program = binaries.Start(binaries.Loader);
        using var data = new TempDirectory();
        var path = data.Write("blob.bin", new string('x', 8192));
        symbolizer.Track(program.Pid);

        program.Send($"map {path}");
        program.ReadUntil("mapped");

        AssertFrame(Frames.User(symbolizer, program.Pid, program.Addresses["mapped_file"] + 0x30)[0], "blob.bin+0x30", "blob.bin", FrameKind.Unknown);
        Assert.Equal(0, symbolizer.Diagnostics.Failures);
    }

    [Fact]
    public void Anonymous_executable_memory_without_a_perf_map_is_named_by_offset()
    {
        using var symbolizer = new Symbolizer();
        using var program = binaries.Start(binaries.Loader);

        var frame = Frames.User(symbolizer, program.Pid, program.Addresses["jit_region"] + 0x20)[0];
        AssertFrame(frame, "[anon]+0x20", "[anon]", FrameKind.Unknown);
    }
}
