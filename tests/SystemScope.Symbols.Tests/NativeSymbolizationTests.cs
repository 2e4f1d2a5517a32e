using SystemScope.Core.Symbols;
using SystemScope.Symbols.Tests.Support;

namespace SystemScope.Symbols.Tests;

/// <summary>User frames of real processes running programs compiled by the test, checked against what the programs print about themselves.</summary>
[Collection(NativeBinariesCollection.Name)]
public sealed class NativeSymbolizationTests(NativeBinaries binaries)
{
    [Theory]
    [InlineData("pie")]
    [InlineData("nopie")]
    public void Functions_of_the_executable_and_its_shared_library_resolve_exactly(string variant)
    {
        using var symbolizer = new Symbolizer();
        using var program = binaries.Start(variant == "pie" ? binaries.Pie : binaries.NoPie);
        symbolizer.Track(program.Pid);

        var a = program.Addresses;
        var frames = Frames.User(symbolizer, program.Pid, a["work_alpha"]);
        AssertFrame(frames[0], "work_alpha", variant, FrameKind.Native);

        // Inside the function, in a static (local) function, and in the library.
        AssertFrame(Frames.User(symbolizer, program.Pid, a["work_alpha"] + 5)[0], "work_alpha", variant, FrameKind.Native);
        AssertFrame(Frames.User(symbolizer, program.Pid, a["work_beta"] + 5)[0], "work_beta", variant, FrameKind.Native);
        AssertFrame(Frames.User(symbolizer, program.Pid, a["lib_compute"])[0], "lib_compute", "libsymtest.so", FrameKind.Native);
        AssertFrame(Frames.User(symbolizer, program.Pid, a["lib_compute"] + 5)[0], "lib_compute", "libsymtest.so", FrameKind.Native);
    }

    [Fact]
    public void The_non_pie_executable_is_mapped_at_its_link_address()
    {
        using var symbolizer = new Symbolizer();
        using var program = binaries.Start(binaries.NoPie);

        // Non-PIE: the runtime address is the ELF address nm prints; no load bias.
        Assert.Equal(NativeBinaries.NmFunctions(binaries.NoPie)["work_alpha"], program.Addresses["work_alpha"]);
        AssertFrame(Frames.User(symbolizer, program.Pid, program.Addresses["work_alpha"] + 3)[0], "work_alpha", "nopie", FrameKind.Native);
    }

    [Fact]
    public void A_process_seen_for_the_first_time_at_resolve_time_is_snapshotted_then()
    {
        using var symbolizer = new Symbolizer();
        using var program = binaries.Start(binaries.Pie);

        // No Seen change, no Track: the first lookup reads the mappings itself.
        var frames = Frames.User(symbolizer, program.Pid, program.Addresses["work_alpha"], program.Addresses["lib_compute"] + 8);

        AssertFrame(frames[0], "work_alpha", "pie", FrameKind.Native);
        AssertFrame(frames[1], "lib_compute", "libsymtest.so", FrameKind.Native);
    }

    [Fact]
    public void A_return_address_right_after_a_final_call_resolves_to_the_caller()
    {
        using var symbolizer = new Symbolizer();
        using var program = binaries.Start(binaries.Pie);
        var after = program.Addresses["after_call"];
        var nm = NativeBinaries.NmFunctions(binaries.Pie);

        // Layout premise: ends_in_call ends with its call and after_call follows without padding.
        Assert.Equal(nm["after_call"] - nm["ends_in_call"], after - program.Addresses["ends_in_call"]);

        // As the leaf, the address is after_call itself; as a caller frame it is the return address of ends_in_call's call.
        var frames = Frames.User(symbolizer, program.Pid, after, after);
        AssertFrame(frames[0], "after_call", "pie", FrameKind.Native);
        AssertFrame(frames[1], "ends_in_call", "pie", FrameKind.Native);
    }

    [Fact]
    public void A_stripped_executable_resolves_exported_functions_from_dynsym_and_names_the_rest_by_their_fde()
    {
        using var symbolizer = new Symbolizer();
        using var program = binaries.Start(binaries.Stripped);
        symbolizer.Track(program.Pid);
        var a = program.Addresses;

        AssertFrame(Frames.User(symbolizer, program.Pid, a["work_alpha"] + 2)[0], "work_alpha", "stripped", FrameKind.Native);

        // work_beta is static: not exported, so it is named by the ELF address where its FDE starts
        // (its own start, which nm -D gives through work_alpha), the same name for all its addresses.
        var elfAlpha = NativeBinaries.NmFunctions(binaries.Stripped, dynamic: true)["work_alpha"];
        var expected = a["work_beta"] - a["work_alpha"] + elfAlpha;
        AssertFrame(Frames.User(symbolizer, program.Pid, a["work_beta"] + 1)[0], $"stripped!fn_{expected:x}", "stripped", FrameKind.Native);
        AssertFrame(Frames.User(symbolizer, program.Pid, a["work_beta"] + 9)[0], $"stripped!fn_{expected:x}", "stripped", FrameKind.Native);
    }

    [Fact]
    public void Symbols_come_from_a_separate_debug_file_found_by_build_id()
    {
        using var symbolizer = new Symbolizer(new SymbolizerOptions { DebugDirectories = [binaries.DebugRoot] });
        using var program = binaries.Start(binaries.BuildIdStripped);
        symbolizer.Track(program.Pid);

        AssertFrame(Frames.User(symbolizer, program.Pid, program.Addresses["work_beta"] + 4)[0], "work_beta", "buildid-stripped", FrameKind.Native);
        AssertFrame(Frames.User(symbolizer, program.Pid, program.Addresses["work_alpha"])[0], "work_alpha", "buildid-stripped", FrameKind.Native);
    }

    [Fact]
    public void Without_the_debug_directory_the_same_binary_has_only_fde_names()
    {
        using var symbolizer = new Symbolizer(new SymbolizerOptions { DebugDirectories = ["/nonexistent-debug-root"] });
        using var program = binaries.Start(binaries.BuildIdStripped);

        var frame = Frames.User(symbolizer, program.Pid, program.Addresses["work_beta"] + 4)[0];
        Assert.Equal(FrameKind.Native, frame.Kind);
        Assert.StartsWith(frame.Module + "!fn_", frame.Name, StringComparison.Ordinal);
    }

    [Fact]
    public void Symbols_come_from_a_separate_debug_file_found_by_debug_link_and_crc()
    {
        using var symbolizer = new Symbolizer(new SymbolizerOptions { DebugDirectories = [] });
        using var program = binaries.Start(binaries.DebugLinked);
        symbolizer.Track(program.Pid);

        AssertFrame(Frames.User(symbolizer, program.Pid, program.Addresses["work_beta"] + 4)[0], "work_beta", "debuglinked", FrameKind.Native);
    }

    [Fact]
    public void A_library_loaded_after_the_snapshot_is_found_by_reading_the_mappings_again()
    {
        using var symbolizer = new Symbolizer(new SymbolizerOptions { MapsRefreshInterval = TimeSpan.Zero });
        using var program = binaries.Start(binaries.Loader);
        symbolizer.Track(program.Pid);

        program.Send($"load {binaries.Plugin}");
        program.ReadUntil("loaded");

        AssertFrame(Frames.User(symbolizer, program.Pid, program.Addresses["plugin_entry"] + 6)[0], "plugin_entry", "libplugin.so", FrameKind.Native);
    }

    [Fact]
    public void The_same_frame_is_the_same_instance()
    {
        using var symbolizer = new Symbolizer();
        using var first = binaries.Start(binaries.Pie);
        using var second = binaries.Start(binaries.Pie);

        var a = Frames.User(symbolizer, first.Pid, first.Addresses["work_alpha"] + 1)[0];
        var b = Frames.User(symbolizer, first.Pid, first.Addresses["work_alpha"] + 9)[0];
        var lib1 = Frames.User(symbolizer, first.Pid, first.Addresses["lib_compute"])[0];
        var cachedAfterFirst = symbolizer.Diagnostics.BinariesCached;
        var c = Frames.User(symbolizer, second.Pid, second.Addresses["work_alpha"] + 2)[0];
        var lib2 = Frames.User(symbolizer, second.Pid, second.Addresses["lib_compute"])[0];

        Assert.Same(a, b);
        Assert.Same(a, c); // one parsed binary shared by both processes
        Assert.Equal(cachedAfterFirst, symbolizer.Diagnostics.BinariesCached);
        Assert.Same(lib1, lib2);
    }

    [Fact]
    public void Frames_shorter_than_addresses_are_refused_with_a_clear_error()
    {
        using var symbolizer = new Symbolizer();
        var error = Assert.Throws<ArgumentException>(() => symbolizer.ResolveUser(Environment.ProcessId, [1, 2, 3], new Symbol[2]));
        Assert.Contains("3 addresses", error.Message, StringComparison.Ordinal);
    }

    internal static void AssertFrame(Symbol frame, string name, string module, FrameKind kind)
    {
        Assert.Equal((name, module, kind), (frame.Name, frame.Module, frame.Kind));
    }
}
