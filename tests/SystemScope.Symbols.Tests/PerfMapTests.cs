using SystemScope.Core.Symbols;
using SystemScope.Symbols.Jit;
using SystemScope.Symbols.Tests.Support;
using static SystemScope.Symbols.Tests.NativeSymbolizationTests;

namespace SystemScope.Symbols.Tests;

[Collection(NativeBinariesCollection.Name)]
public sealed class PerfMapTests(NativeBinaries binaries)
{
    [Fact]
    public void Lines_are_read_incrementally_and_an_incomplete_last_line_waits()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("perf-1.map", "0x1000 20 first_function\n2000 0x10 second_function\nnot a line\n");
        using var map = new PerfMap([dir["missing.map"], path], maxEntries: 100);

        Assert.False(map.TryFind(0x1000, out _));
        Assert.True(map.Refresh());
        Assert.Equal(path, map.Path);
        Assert.True(map.TryFind(0x101F, out var first));
        Assert.Equal(("first_function", FrameKind.Jit), (first.Name, first.Kind));
        Assert.True(map.TryFind(0x2000, out var second));
        Assert.Equal("second_function", second.Name);
        Assert.False(map.TryFind(0x1020, out _));
        Assert.False(map.Refresh()); // nothing appended

        File.AppendAllText(path, "500 10 earlier_function\n3000 8 half_writ");
        Assert.True(map.Refresh());
        Assert.True(map.TryFind(0x505, out var earlier));
        Assert.Equal("earlier_function", earlier.Name);
        Assert.False(map.TryFind(0x3000, out _));

        File.AppendAllText(path, "ten_function\n");
        Assert.True(map.Refresh());
        Assert.True(map.TryFind(0x3007, out var completed));
        Assert.Equal("half_written_function", completed.Name);
        Assert.Equal(4, map.Count);
    }

    [Fact]
    public void A_later_entry_for_the_same_code_wins_and_the_cap_counts_what_is_dropped()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("perf-2.map", "1000 100 unloaded_method\n1000 80 reused_method\n9000 10 beyond_cap\n");
        using var map = new PerfMap([path], maxEntries: 2);

        map.Refresh();

        Assert.True(map.TryFind(0x1010, out var symbol));
        Assert.Equal("reused_method", symbol.Name);
        Assert.False(map.TryFind(0x9000, out _));
        Assert.Equal(1, map.Dropped);
    }

    [Theory]
    [InlineData("int64 [DotnetHotLoop] DotnetHotLoop.HotLoop::SpinInHotMethod(int32)[MinOptJitted]", "DotnetHotLoop.HotLoop::SpinInHotMethod(int32)", "DotnetHotLoop")]
    [InlineData("instance void [System.Private.CoreLib] System.Threading.Thread::StartCallback()[OptimizedTier1]", "System.Threading.Thread::StartCallback()", "System.Private.CoreLib")]
    [InlineData("valuetype System.Runtime.CompilerServices.StaticsHelpers/ThreadLocalData* [System.Private.CoreLib] System.Threading.Thread::GetThreadStaticsBase()[QuickJitted]", "System.Threading.Thread::GetThreadStaticsBase()", "System.Private.CoreLib")]
    [InlineData("stub<1> AllocateTemporaryEntryPoints<PreJit>", "stub<1> AllocateTemporaryEntryPoints<PreJit>", null)]
    [InlineData("LazyCompile:~handler /srv/app.js:10", "LazyCompile:~handler /srv/app.js:10", null)]
    public void Dotnet_names_are_split_into_method_and_assembly_and_other_names_are_kept(string text, string name, string? module)
    {
        Assert.Equal((name, module), PerfMapLine.Normalize(text));
    }

    [Fact]
    public void Jit_code_in_anonymous_memory_resolves_through_the_process_perf_map_read_again_on_a_miss()
    {
        using var program = binaries.Start(binaries.Loader);
        var region = program.Addresses["jit_region"];
        var path = $"/tmp/perf-{program.Pid}.map";
        try
        {
            File.WriteAllText(path, $"{region:x} 40 jitted_one\n");
            using var symbolizer = new Symbolizer();
            symbolizer.Track(program.Pid);

            AssertFrame(Frames.User(symbolizer, program.Pid, region + 0x10)[0], "jitted_one", null!, FrameKind.Jit);

            // Appended later (as a runtime does): found on the next miss, never remembered as unknown.
            AssertFrame(Frames.User(symbolizer, program.Pid, region + 0x110)[0], "[anon]+0x110", "[anon]", FrameKind.Unknown);
            File.AppendAllText(path, $"0x{region + 0x100:x} 0x40 int32 [App] App.Program::Later(int32)[OptimizedTier1]\n");
            var later = Frames.User(symbolizer, program.Pid, region + 0x110)[0];
            AssertFrame(later, "App.Program::Later(int32)", "App", FrameKind.Jit);
            Assert.Same(later, Frames.User(symbolizer, program.Pid, region + 0x120)[0]);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
