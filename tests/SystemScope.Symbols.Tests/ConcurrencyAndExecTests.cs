using SystemScope.Core.Events.Process;
using SystemScope.Core.Symbols;
using SystemScope.Symbols.Tests.Support;
using static SystemScope.Symbols.Tests.NativeSymbolizationTests;

namespace SystemScope.Symbols.Tests;

[Collection(NativeBinariesCollection.Name)]
public sealed class ConcurrencyAndExecTests(NativeBinaries binaries)
{
    [Fact]
    public async Task An_exec_replaces_the_mappings_with_those_of_the_new_image()
    {
        using var symbolizer = new Symbolizer();
        using var sessions = new LifecycleSessions(symbolizer);
        var (_, source) = sessions.Start();

        // A shell that waits for a line, then execs the test program in the same process.
        using var program = RunningProgram.Start("/bin/sh", binaries.Directory, string.Empty, "-c", $"read line; exec {binaries.Pie}");
        source.Publish(program.Pid, ProcessChange.Seen);
        await symbolizer.FlushAsync();
        Assert.DoesNotContain(symbolizer.ProcessStateOf(program.Pid)!.Snapshot!.Mappings, m => m.Module == "pie");

        program.Send("go");
        program.ReadUntil("ready");
        source.Publish(program.Pid, ProcessChange.Exec);
        await symbolizer.FlushAsync();

        Assert.Contains(symbolizer.ProcessStateOf(program.Pid)!.Snapshot!.Mappings, m => m.Module == "pie");
        AssertFrame(Frames.User(symbolizer, program.Pid, program.Addresses["work_alpha"] + 2)[0], "work_alpha", "pie", FrameKind.Native);
    }

    [Fact]
    public async Task Sessions_resolving_from_several_threads_while_processes_are_seen_get_the_right_frames()
    {
        using var symbolizer = new Symbolizer(new SymbolizerOptions { MapsRefreshInterval = TimeSpan.Zero });
        using var sessions = new LifecycleSessions(symbolizer);
        var (_, source) = sessions.Start();
        using var first = binaries.Start(binaries.Pie);
        using var second = binaries.Start(binaries.NoPie);
        RunningProgram[] programs = [first, second];
        string[] modules = ["pie", "nopie"];

        var workers = Enumerable.Range(0, 4).Select(worker => Task.Run(() =>
        {
            var frames = new Symbol[5];
            for (var round = 0; round < 2000; round++)
            {
                var which = (worker + round) % 2;
                var a = programs[which].Addresses;
                var kept = symbolizer.ResolveUser(programs[which].Pid, [a["work_alpha"] + 1, a["lib_compute"] + 3, a["work_beta"] + 2, 0x20, a["work_alpha"] + 4], frames);
                Assert.Equal(3, kept);
                AssertFrame(frames[0], "work_alpha", modules[which], FrameKind.Native);
                AssertFrame(frames[1], "lib_compute", "libsymtest.so", FrameKind.Native);
                AssertFrame(frames[2], "work_beta", modules[which], FrameKind.Native);
            }
        })).ToList();

        // Meanwhile the processes are seen again and again (new snapshots replace the old ones).
        for (var i = 0; i < 200; i++)
        {
            source.Publish(programs[i % 2].Pid, ProcessChange.Seen);
        }

        await Task.WhenAll(workers);
        await symbolizer.FlushAsync();
        Assert.Equal(0, symbolizer.Diagnostics.Failures);
    }
}
