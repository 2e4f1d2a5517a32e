using SystemScope.Core.Symbols;
using SystemScope.Symbols.Tests.Support;
using static SystemScope.Symbols.Tests.NativeSymbolizationTests;

namespace SystemScope.Symbols.Tests;

/// <summary>A user stack ends at its last real frame: what a walk found after it (data, 0, a loop) is not drawn but counted.</summary>
[Collection(NativeBinariesCollection.Name)]
public sealed class UserStackCutTests(NativeBinaries binaries)
{
    [Fact]
    public void A_stack_that_runs_into_heap_stack_and_garbage_ends_at_its_last_code_frame()
    {
        using var symbolizer = new Symbolizer();
        using var program = binaries.Start(binaries.Pie);
        var a = program.Addresses;
        var heap = Frames.Mapping(program.Pid, "[heap]").Start + 0x40;
        var stack = Frames.Mapping(program.Pid, "[stack]").Start + 0x100;

        var frames = Frames.User(symbolizer, program.Pid, a["work_alpha"] + 3, a["lib_compute"] + 5, heap, stack, 0x746174732f666c, a["work_beta"] + 2);

        Assert.Equal(2, frames.Length);
        AssertFrame(frames[0], "work_alpha", "pie", FrameKind.Native);
        AssertFrame(frames[1], "lib_compute", "libsymtest.so", FrameKind.Native);
        Assert.Equal(new UserStackCutCounts(Stacks: 1, FramesDropped: 4, AtZero: 0, AtNonCanonical: 0, AtRepeat: 0, AtUnmapped: 1), symbolizer.Diagnostics.UserStackCuts);
    }

    [Fact]
    public void Data_of_a_mapped_file_that_is_not_executable_ends_the_stack_too()
    {
        using var symbolizer = new Symbolizer();
        using var program = binaries.Start(binaries.Pie);
        var data = Frames.Mapping(program.Pid, binaries.Pie, permissions: "rw").Start; // .data and .bss: the file's, but not code

        var frames = Frames.User(symbolizer, program.Pid, program.Addresses["work_alpha"] + 3, data + 8, program.Addresses["work_beta"] + 2);

        AssertFrame(Assert.Single(frames), "work_alpha", "pie", FrameKind.Native);
        Assert.Equal(1, symbolizer.Diagnostics.UserStackCuts.AtUnmapped);
    }

    [Fact]
    public void Zero_and_non_canonical_return_addresses_end_the_stack_before_any_lookup()
    {
        using var symbolizer = new Symbolizer();
        using var program = binaries.Start(binaries.Pie);
        var a = program.Addresses;

        Assert.Equal(2, Frames.User(symbolizer, program.Pid, a["work_alpha"] + 3, a["work_beta"] + 2, 0, a["lib_compute"] + 5).Length);
        Assert.Single(Frames.User(symbolizer, program.Pid, a["work_alpha"] + 3, 0x0000_8000_0000_0000, a["lib_compute"] + 5));
        Assert.Single(Frames.User(symbolizer, program.Pid, a["work_alpha"] + 3, 0xffff_ffff_8100_0000));

        var cuts = symbolizer.Diagnostics.UserStackCuts;
        Assert.Equal((3L, 5L, 1L, 2L), (cuts.Stacks, cuts.FramesDropped, cuts.AtZero, cuts.AtNonCanonical));
    }

    [Fact]
    public void A_loop_to_the_end_keeps_one_frame_but_recursion_keeps_them_all()
    {
        using var symbolizer = new Symbolizer();
        using var program = binaries.Start(binaries.Pie);
        var a = program.Addresses;
        var beta = a["work_beta"] + 2;

        // Direct recursion repeats a return address, then returns to its caller: all of it is the stack.
        Assert.Equal(5, Frames.User(symbolizer, program.Pid, a["work_alpha"] + 3, beta, beta, beta, a["lib_compute"] + 5).Length);

        // A frame-pointer chain that points to itself repeats one address until the walk gives up.
        var loop = Frames.User(symbolizer, program.Pid, a["work_alpha"] + 3, a["lib_compute"] + 5, beta, beta, beta, beta, beta);
        Assert.Equal(["work_alpha", "lib_compute", "work_beta"], loop.Select(f => f.Name));
        Assert.Equal(new UserStackCutCounts(1, 4, 0, 0, 1, 0), symbolizer.Diagnostics.UserStackCuts);
    }

    [Fact]
    public void A_return_address_in_a_library_loaded_since_the_snapshot_is_found_by_the_refresh_not_cut()
    {
        using var symbolizer = new Symbolizer(new SymbolizerOptions { MapsRefreshInterval = TimeSpan.Zero });
        using var program = binaries.Start(binaries.Loader);
        symbolizer.Track(program.Pid);
        var region = program.Addresses["jit_region"];

        program.Send($"load {binaries.Plugin}");
        program.ReadUntil("loaded");

        var frames = Frames.User(symbolizer, program.Pid, region + 0x10, program.Addresses["plugin_entry"] + 6);
        Assert.Equal(2, frames.Length);
        AssertFrame(frames[1], "plugin_entry", "libplugin.so", FrameKind.Native);
        Assert.Equal(0, symbolizer.Diagnostics.UserStackCuts.Stacks);
    }

    [Fact]
    public void A_process_whose_mappings_are_unknown_keeps_what_it_cannot_judge()
    {
        using var symbolizer = new Symbolizer();
        var frames = Frames.User(symbolizer, int.MaxValue - 7, 0x1234, 0x5678, 0, 0x9abc);

        Assert.Equal(["[unknown]+0x1234", "[unknown]+0x5678"], frames.Select(f => f.Name));
        Assert.Equal(1, symbolizer.Diagnostics.UserStackCuts.AtZero);
    }
}
