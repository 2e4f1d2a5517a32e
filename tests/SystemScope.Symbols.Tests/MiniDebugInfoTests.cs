using SystemScope.Core.Symbols;
using SystemScope.Symbols.Tests.Support;
using static SystemScope.Symbols.Tests.NativeSymbolizationTests;

namespace SystemScope.Symbols.Tests;

/// <summary>Stripped binaries whose only names for static functions are in MiniDebugInfo (.gnu_debugdata).</summary>
[Collection(NativeBinariesCollection.Name)]
public sealed class MiniDebugInfoTests(NativeBinaries binaries)
{
    [Fact]
    public void Static_functions_resolve_from_minidebuginfo_and_exported_ones_from_dynsym()
    {
        // Premises: no .symtab, work_beta (static) is in no table but the compressed one, work_alpha only in .dynsym.
        var sections = Tool.Run("readelf", "-S", "-W", binaries.MiniDebug);
        Assert.DoesNotContain(".symtab", sections, StringComparison.Ordinal);
        Assert.Contains(".gnu_debugdata", sections, StringComparison.Ordinal);
        Assert.DoesNotContain("work_beta", NativeBinaries.NmFunctions(binaries.MiniDebug, dynamic: true).Keys);
        Assert.Contains("work_alpha", NativeBinaries.NmFunctions(binaries.MiniDebug, dynamic: true).Keys);

        using var symbolizer = new Symbolizer(new SymbolizerOptions { DebugDirectories = [] });
        using var program = binaries.Start(binaries.MiniDebug);
        var a = program.Addresses;

        AssertFrame(Frames.User(symbolizer, program.Pid, a["work_beta"] + 4)[0], "work_beta", "minidebug", FrameKind.Native);
        AssertFrame(Frames.User(symbolizer, program.Pid, a["after_call"])[0], "after_call", "minidebug", FrameKind.Native);
        AssertFrame(Frames.User(symbolizer, program.Pid, a["work_alpha"] + 2)[0], "work_alpha", "minidebug", FrameKind.Native);
        var image = symbolizer.ProcessStateOf(program.Pid)!.Snapshot!.Mappings.First(m => m.Module == "minidebug").Binary!.View.Image;
        Assert.Equal(".gnu_debugdata", image.SymbolSource);
        Assert.Equal(0, symbolizer.Diagnostics.Failures);
    }

    [Fact]
    public void A_section_that_is_not_xz_data_falls_back_to_dynsym_and_says_why()
    {
        using var symbolizer = new Symbolizer(new SymbolizerOptions { DebugDirectories = [] });
        using var program = binaries.Start(binaries.MiniDebugCorrupt);
        var a = program.Addresses;

        AssertFrame(Frames.User(symbolizer, program.Pid, a["work_alpha"] + 2)[0], "work_alpha", "minidebug-corrupt", FrameKind.Native);

        // The static function has no name left but its FDE's start (its ELF address, through work_alpha's).
        var start = a["work_beta"] - a["work_alpha"] + NativeBinaries.NmFunctions(binaries.MiniDebugCorrupt, dynamic: true)["work_alpha"];
        AssertFrame(Frames.User(symbolizer, program.Pid, a["work_beta"] + 4)[0], $"minidebug-corrupt!fn_{start:x}", "minidebug-corrupt", FrameKind.Native);
        var failure = Assert.Single(symbolizer.Diagnostics.RecentFailures, f => f.What == "minidebuginfo");
        Assert.Contains("not valid xz data", failure.Message, StringComparison.Ordinal);
    }
}
