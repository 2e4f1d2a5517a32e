using SystemScope.Bpf;
using SystemScope.Kernel.Tests.EndToEnd;
using SystemScope.Kernel.Tests.Infrastructure;

namespace SystemScope.Kernel.Tests.Unwind;

/// <summary>
/// User stacks through code built without frame pointers (the workloads, like Debian's glibc, keep
/// only .eh_frame), walked in BPF with the tables the agent builds from it: <c>record cpu</c> as a
/// user runs it, against callers known from the source.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class UnwindTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    /// <summary>Where every complete user stack of a C program starts.</summary>
    private static readonly string[] ProgramStart = ["_start", "__libc_start_main", "__libc_start_call_main", "main"];

    [AgentFact]
    public void Without_frame_pointers_the_75_25_split_holds_and_both_functions_sit_under_main()
    {
        using var workload = Workloads.StartWithoutFramePointers("cpu_split", "12");

        var profile = Record(workload.Pid, "6");

        long hot = profile.SamplesIn("spend_75"), cold = profile.SamplesIn("spend_25");
        Assert.True(hot + cold > 0.8 * profile.Total, $"spend_75 {hot} + spend_25 {cold} of {profile.Total}");
        Assert.InRange(100.0 * hot / (hot + cold), 70, 80);

        // Every stack in them goes back through main to _start (the kernel's frame-pointer walk
        // loses main: RBP is not a frame pointer here).
        var inThem = profile.SamplesWhere(f => f.Contains("spend_75") || f.Contains("spend_25"));
        var underMain = profile.SamplesWhere(f => (f.Contains("spend_75") || f.Contains("spend_25")) && StartsAtProgramStart(f));
        Assert.True(underMain >= 0.95 * inThem, $"{underMain} of {inThem} samples in spend_* reach _start through main:\n{Top(profile)}");
    }

    [AgentFact]
    public void The_caller_of_a_glibc_function_is_kept_through_qsort_into_its_callback()
    {
        using var workload = Workloads.StartWithoutFramePointers("unwind_zoo", "qsort", "12");

        var profile = Record(workload.Pid, "5");

        // compare_slowly <- (glibc's qsort internals) <- qsort <- sort_forever <- main: frame pointers
        // lose sort_forever, which only glibc's CFI can find.
        var inCompare = profile.SamplesIn("compare_slowly");
        Assert.True(inCompare > 0.5 * profile.Total, Top(profile));
        var withCaller = profile.SamplesWhere(f => Below(f, "sort_forever", "compare_slowly") && StartsAtProgramStart(f));
        Assert.True(withCaller >= 0.9 * inCompare, $"{withCaller} of {inCompare} samples in compare_slowly have sort_forever and main above:\n{Top(profile)}");

        // With the tables off, the same process loses them: the test can tell the two walks apart.
        var framePointers = Record(workload.Pid, "3", "--unwind-tables", "false");
        var fpCompare = framePointers.SamplesIn("compare_slowly");
        Assert.True(framePointers.SamplesWhere(f => Below(f, "sort_forever", "compare_slowly")) < 0.5 * fpCompare, Top(framePointers));
    }

    [AgentFact]
    public void A_signal_handler_stack_continues_into_the_interrupted_code()
    {
        using var workload = Workloads.StartWithoutFramePointers("unwind_zoo", "signal", "12");

        var profile = Record(workload.Pid, "5");

        // in_handler <- on_prof <- __restore_rt (the signal frame) <- interrupted_loop <- main
        var inHandler = profile.SamplesIn("in_handler");
        Assert.True(inHandler > 0.1 * profile.Total, Top(profile));
        var throughSignal = profile.SamplesWhere(f => Below(f, "interrupted_loop", "on_prof") && Below(f, "on_prof", "in_handler") && StartsAtProgramStart(f));
        Assert.True(throughSignal >= 0.9 * inHandler, $"{throughSignal} of {inHandler} samples in in_handler continue into interrupted_loop and main:\n{Top(profile)}");
    }

    [AgentFact]
    public void A_library_loaded_with_dlopen_after_the_start_is_unwound_too()
    {
        var library = Workloads.BuildWithoutFramePointers("unwind_plugin", shared: true);
        using var workload = Workloads.StartWithoutFramePointers("unwind_zoo", "dlopen", "12", library);

        // The recording starts before the library is loaded (the workload waits 1.5 s).
        var profile = Record(workload.Pid, "6");

        var inPlugin = profile.SamplesIn("plugin_work");
        Assert.True(inPlugin > 0.3 * profile.Total, Top(profile));
        var withCallers = profile.SamplesWhere(f => Below(f, "call_plugin", "plugin_work") && Below(f, "plugin_spin", "plugin_work") && StartsAtProgramStart(f));
        Assert.True(withCallers >= 0.85 * inPlugin, $"{withCallers} of {inPlugin} samples in plugin_work have plugin_spin, call_plugin and main above:\n{Top(profile)}");
    }

    [AgentFact]
    public void Stacks_deeper_than_the_kernels_127_frames_reach_main_and_a_smaller_depth_is_cut_and_counted()
    {
        using var workload = Workloads.StartWithoutFramePointers("unwind_zoo", "deep", "15", "180");

        var profile = Record(workload.Pid, "4");

        // deepest + 180 descend + main + libc start + _start: 185 frames.
        var inDeepest = profile.SamplesIn("deepest");
        Assert.True(inDeepest > 0.5 * profile.Total, Top(profile));
        var complete = profile.SamplesWhere(f => f.Contains("deepest") && StartsAtProgramStart(f) && f.Count(x => x == "descend") == 180);
        Assert.True(complete >= 0.9 * inDeepest, $"{complete} of {inDeepest} samples in deepest have 180 descend frames under main:\n{Top(profile)}");

        var cut = AgentBinary.Run(Patience, "record", "cpu", "--pid", workload.Pid.ToString(), "--duration", "2", "--frequency", "199", "--stack-depth", "50", "--format", "folded");
        Assert.True(cut.ExitCode == 0, cut.ToString());
        var shallow = FoldedProfile.Parse(cut.Stdout);
        Assert.All(shallow.Stacks, s => Assert.True(s.Frames.Count(f => !f.EndsWith("_[k]", StringComparison.Ordinal)) <= 50, string.Join(';', s.Frames)));
        Assert.DoesNotContain(shallow.Stacks, s => s.Frames.Contains("main"));
    }

    [AgentFact]
    public void With_inline_the_functions_inlined_into_a_hot_function_are_frames_of_their_own()
    {
        // Built with -g: inline_hot holds fold, which holds step, which holds mix (all inlined).
        using var workload = Workloads.Start("inline_chain", "12");

        var plain = Record(workload.Pid, "2");
        Assert.True(plain.SamplesIn("inline_hot") > 0.8 * plain.Total, Top(plain));
        Assert.Equal(0, plain.SamplesIn("fold") + plain.SamplesIn("step") + plain.SamplesIn("mix"));

        var inlined = Record(workload.Pid, "3", "--inline");
        var inHot = inlined.SamplesIn("inline_hot");
        Assert.True(inHot > 0.8 * inlined.Total, Top(inlined));
        Assert.True(inlined.SamplesWhere(f => Below(f, "inline_hot", "fold")) > 0.9 * inHot, Top(inlined));
        Assert.True(inlined.SamplesWhere(f => Below(f, "fold", "step") && Below(f, "step", "mix")) > 0.5 * inHot, Top(inlined));
    }

    [AgentFact]
    public async Task The_tables_are_shared_counted_and_freed_with_the_last_session()
    {
        using var first = Workloads.StartWithoutFramePointers("unwind_zoo", "qsort", "20");
        using var second = Workloads.StartWithoutFramePointers("unwind_zoo", "qsort", "20");
        using var agent = AgentServerProcess.Start();
        var one = (await agent.Send(HttpMethod.Post, "/api/sessions", $$"""{"sources":["cpu"],"pid":{{first.Pid}},"detached":true}""")).Body.GetProperty("id").GetString()!;
        var two = (await agent.Send(HttpMethod.Post, "/api/sessions", $$"""{"sources":["cpu"],"pid":{{second.Pid}},"detached":true}""")).Body.GetProperty("id").GetString()!;
        await Task.Delay(TimeSpan.FromSeconds(3));

        var counters = Counters(await agent.GetJson($"/api/sessions/{one}"));
        Assert.True(counters["stack.user_unwound"] > 100, string.Join(", ", counters));
        Assert.Equal(0, counters["stack.user_broken"]);

        // Two processes of one binary with libc and ld.so: three files, each built and loaded once.
        Assert.Equal(2, counters["unwind.processes"]);
        Assert.Equal(3, counters["unwind.files"]);
        Assert.True(counters["unwind.table_bytes"] > 0);
        Assert.Equal(counters["unwind.files"], Counters(await agent.GetJson($"/api/sessions/{two}"))["unwind.files"]);

        // Stopping both sessions frees the maps: nothing of the unwinder stays in the kernel.
        await agent.Send(HttpMethod.Delete, $"/api/sessions/{one}");
        await agent.Send(HttpMethod.Delete, $"/api/sessions/{two}");
        Assert.Equal(default(KernelObjectCounts), KernelObjectCensus.Count(agent.Pid));
    }

    [AgentFact]
    public void A_binary_whose_eh_frame_is_garbage_is_walked_by_frame_pointers_and_nothing_breaks()
    {
        // The workload's own .eh_frame overwritten with random bytes: its table cannot be built (or
        // only in part); libc's still can, and the agent must neither crash nor draw garbage.
        var broken = Path.Combine(Path.GetDirectoryName(Workloads.BuildWithoutFramePointers("unwind_zoo"))!, "unwind_zoo-garbage-cfi");
        File.Copy(Workloads.BuildWithoutFramePointers("unwind_zoo"), broken, overwrite: true);
        var (offset, size) = Section(broken, ".eh_frame");
        using (var file = new FileStream(broken, FileMode.Open, FileAccess.Write))
        {
            var garbage = new byte[size];
            new Random(7).NextBytes(garbage);
            file.Position = offset;
            file.Write(garbage);
        }

        using var workload = WorkloadProcess.Start(broken, ["qsort", "10"], readInfoLine: true);
        var profile = Record(workload.Pid, "3");

        // Its own frames above the leaf may be lost (no usable table, no frame pointers), never drawn wrong.
        Assert.True(profile.SamplesWhere(f => f.Contains("compare_slowly") || f.Contains("burn")) > 0.5 * profile.Total, Top(profile));
        Assert.DoesNotContain(profile.Stacks, s => s.Frames.Any(f => f.StartsWith("[unknown]", StringComparison.Ordinal)));
    }

    private static (long Offset, int Size) Section(string path, string name)
    {
        var start = new System.Diagnostics.ProcessStartInfo("readelf", ["-S", "-W", path]) { RedirectStandardOutput = true };
        using var readelf = System.Diagnostics.Process.Start(start)!;
        var line = readelf.StandardOutput.ReadToEnd().Split('\n').First(l => l.Contains($" {name} ", StringComparison.Ordinal));
        readelf.WaitForExit();

        // [Nr] Name Type Address Off Size ...: the fields after the name.
        var fields = line[(line.IndexOf(name, StringComparison.Ordinal) + name.Length)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (Convert.ToInt64(fields[2], 16), Convert.ToInt32(fields[3], 16));
    }

    private static Dictionary<string, long> Counters(System.Text.Json.JsonElement session) =>
        session.GetProperty("sources").EnumerateArray().Single(s => s.GetProperty("id").GetString() == "cpu")
            .GetProperty("counters").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("value").GetInt64());

    private static FoldedProfile Record(int pid, string seconds, params string[] extra)
    {
        var result = AgentBinary.Run(Patience, ["record", "cpu", "--pid", pid.ToString(), "--duration", seconds, "--frequency", "199", "--format", "folded", .. extra]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return FoldedProfile.Parse(result.Stdout);
    }

    private static bool StartsAtProgramStart(string[] frames) =>
        frames.Length > 0 && ProgramStart.Contains(frames[0]) && frames.Contains("main");

    /// <summary>Whether <paramref name="caller"/> is above <paramref name="callee"/> on this stack (folded stacks are root first).</summary>
    private static bool Below(string[] frames, string caller, string callee)
    {
        var at = Array.IndexOf(frames, caller);
        return at >= 0 && Array.IndexOf(frames, callee, at + 1) > at;
    }

    private static string Top(FoldedProfile profile) =>
        string.Join('\n', profile.Stacks.OrderByDescending(s => s.Count).Take(8).Select(s => $"{s.Count} {string.Join(';', s.Frames)}"));
}
