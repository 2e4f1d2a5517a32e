using SystemScope.Core.Events.Process;
using SystemScope.Core.Symbols;
using SystemScope.Symbols.Tests.Support;
using static SystemScope.Symbols.Tests.NativeSymbolizationTests;

namespace SystemScope.Symbols.Tests;

/// <summary>Processes whose executable goes away, or that exit, before their samples are resolved.</summary>
[Collection(NativeBinariesCollection.Name)]
public sealed class ProcessLifetimeTests(NativeBinaries binaries)
{
    [KernelFact]
    public void A_deleted_executable_still_resolves_while_the_process_runs()
    {
        using var copy = new TempDirectory();
        var path = copy["deleted-prog"];
        File.Copy(binaries.Pie, path);
        using var program = RunningProgram.Start(path, binaries.Directory);
        File.Delete(path);

        using var symbolizer = new Symbolizer();
        AssertFrame(Frames.User(symbolizer, program.Pid, program.Addresses["work_alpha"] + 4)[0], "work_alpha", "deleted-prog", FrameKind.Native);
        AssertFrame(Frames.User(symbolizer, program.Pid, program.Addresses["work_beta"])[0], "work_beta", "deleted-prog", FrameKind.Native);
    }

    [KernelFact]
    public void A_replaced_executable_resolves_to_the_binary_the_process_runs()
    {
        using var copy = new TempDirectory();
        var path = copy["replaced-prog"];
        File.Copy(binaries.Pie, path);
        using var program = RunningProgram.Start(path, binaries.Directory);

        // Rename another program over the path (a running file cannot be written into).
        File.Copy(binaries.Other, copy["incoming"]);
        File.Move(copy["incoming"], path, overwrite: true);
        Assert.Contains("other_one", NativeBinaries.NmFunctions(path).Keys);

        using var symbolizer = new Symbolizer();
        AssertFrame(Frames.User(symbolizer, program.Pid, program.Addresses["work_alpha"] + 4)[0], "work_alpha", "replaced-prog", FrameKind.Native);
        AssertFrame(Frames.User(symbolizer, program.Pid, program.Addresses["after_call"])[0], "after_call", "replaced-prog", FrameKind.Native);
    }

    [Fact]
    public async Task Samples_taken_before_exit_resolve_after_exit_even_when_the_file_is_gone()
    {
        using var symbolizer = new Symbolizer();
        using var sessions = new LifecycleSessions(symbolizer);
        var (_, source) = sessions.Start();
        using var copy = new TempDirectory();
        var path = copy["short-lived"];
        File.Copy(binaries.Pie, path);
        using var program = RunningProgram.Start(path, binaries.Directory);
        var pid = program.Pid;
        var alpha = program.Addresses["work_alpha"] + 4;
        var lib = program.Addresses["lib_compute"] + 4;

        // Seen while alive (as the CPU source publishes it), handled off this thread.
        source.Publish(pid, ProcessChange.Seen);
        await symbolizer.FlushAsync();

        File.Delete(path);
        program.Stop();
        Assert.True(program.HasExited);
        Assert.False(Directory.Exists($"/proc/{pid}"));
        source.Publish(pid, ProcessChange.Exit);

        var frames = Frames.User(symbolizer, pid, alpha, lib);
        AssertFrame(frames[0], "work_alpha", "short-lived", FrameKind.Native);
        AssertFrame(frames[1], "lib_compute", "libsymtest.so", FrameKind.Native);
        Assert.Equal(1, symbolizer.Diagnostics.ProcessesExited);
    }

    [Fact]
    public async Task An_exited_process_is_forgotten_after_its_grace_period()
    {
        using var symbolizer = new Symbolizer(new SymbolizerOptions { ExitedProcessGrace = TimeSpan.Zero });
        using var sessions = new LifecycleSessions(symbolizer);
        var (_, source) = sessions.Start();
        using var program = binaries.Start(binaries.Pie);
        var pid = program.Pid;
        var alpha = program.Addresses["work_alpha"];
        source.Publish(pid, ProcessChange.Seen);
        await symbolizer.FlushAsync();
        Assert.Equal("work_alpha", Frames.User(symbolizer, pid, alpha)[0].Name);

        program.Stop();
        source.Publish(pid, ProcessChange.Exit);
        symbolizer.SweepNow();

        Assert.Equal(0, symbolizer.Diagnostics.ProcessesTracked);
        var frame = Frames.User(symbolizer, pid, alpha)[0];
        AssertFrame(frame, $"[unknown]+0x{alpha:x}", "[unknown]", FrameKind.Unknown);
    }

    [Fact]
    public void Beyond_the_process_cap_the_longest_exited_goes_first()
    {
        using var symbolizer = new Symbolizer(new SymbolizerOptions { MaxProcesses = 1 });
        using var first = binaries.Start(binaries.Pie);
        using var second = binaries.Start(binaries.Pie);
        symbolizer.Track(first.Pid);
        first.Stop();
        symbolizer.ProcessStateOf(first.Pid)!.MarkExited();

        symbolizer.Track(second.Pid);
        symbolizer.SweepNow();

        Assert.Null(symbolizer.ProcessStateOf(first.Pid));
        Assert.NotNull(symbolizer.ProcessStateOf(second.Pid));
    }

    [Fact]
    public async Task Once_the_last_session_has_left_for_the_idle_delay_everything_parsed_is_let_go_and_a_new_session_parses_again()
    {
        using var symbolizer = new Symbolizer(new SymbolizerOptions { IdleRelease = TimeSpan.FromMilliseconds(200) });
        using var sessions = new LifecycleSessions(symbolizer);
        using var program = binaries.Start(binaries.Pie);
        var alpha = program.Addresses["work_alpha"];

        var (first, source) = sessions.Start();
        source.Publish(program.Pid, ProcessChange.Seen);
        await symbolizer.FlushAsync();
        Assert.Equal("work_alpha", Frames.User(symbolizer, program.Pid, alpha)[0].Name);
        Assert.NotEqual(0, symbolizer.Diagnostics.ProcessesTracked);
        Assert.NotEqual(0, symbolizer.Diagnostics.BinariesCached);

        sessions.Manager.Stop(first.Id);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (symbolizer.Diagnostics.BinariesCached != 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        var idle = symbolizer.Diagnostics;
        Assert.Equal(0, idle.BinariesCached);
        Assert.Equal(0, idle.ProcessesTracked);
        Assert.Equal(0, idle.KernelSymbols);

        // A session joining within the delay keeps the caches: the release is called off.
        var (second, again) = sessions.Start();
        again.Publish(program.Pid, ProcessChange.Seen);
        await symbolizer.FlushAsync();
        Assert.Equal("work_alpha", Frames.User(symbolizer, program.Pid, alpha)[0].Name);
        await Task.Delay(600);
        Assert.NotEqual(0, symbolizer.Diagnostics.BinariesCached);
        sessions.Manager.Stop(second.Id);
    }
}
