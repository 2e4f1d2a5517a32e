using System.Text.Json;
using SystemScope.Core.Analyses.Gpu;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Activity;
using SystemScope.Core.Events.Cpu;
using SystemScope.Core.Events.Gpu;
using SystemScope.Core.Events.Process;
using SystemScope.Core.Events.Scheduler;
using SystemScope.Core.Sessions;
using static SystemScope.Core.Tests.Gpu.GpuCalls;

namespace SystemScope.Core.Tests.Gpu;

public sealed class GpuIdleTests
{
    [Fact]
    public void Each_sleep_between_steps_is_one_gap_attributed_to_the_sleep()
    {
        var analysis = Analysis();
        // Three steps 100 ms apart; between them the thread sleeps (the scheduler says so).
        analysis.OnEvents([.. Step(0), .. Step(100 * Ms), .. Step(200 * Ms)]);
        analysis.OnEvents([.. Sleep(17_600_000, 99 * Ms), .. Sleep(117_600_000, 199 * Ms)]);
        analysis.OnTick(long.MaxValue);

        var rows = Rows(analysis);
        Assert.Equal(2, rows.Count);
        Assert.Equal([17_500_000L, 117_500_000L], rows.Select(r => r.GetProperty("start").GetInt64()));
        Assert.All(rows, r => Assert.Equal(82_500_000L, r.GetProperty("idle_ns").GetInt64()));
        Assert.All(rows, r => Assert.Equal("sleeping (S)", r.GetProperty("doing").GetString()));
        Assert.All(rows, r => Assert.Equal(81_400_000L, r.GetProperty("off_cpu_ns").GetInt64()));
        // On CPU: from the wakeup to the next step (1 ms), and in the second gap also from its start to the switch-out (0.1 ms),
        // which the first gap does not know (no switch before it).
        Assert.Equal([1_000_000L, 1_100_000L], rows.Select(r => r.GetProperty("on_cpu_ns").GetInt64()));
        Assert.All(rows, r => Assert.Equal("driver", r.GetProperty("process").GetString()));
    }

    [Fact]
    public void A_span_or_a_blocking_stack_says_more_than_the_state()
    {
        var analysis = Analysis();
        analysis.OnEvents([.. Step(0), .. Step(100 * Ms), .. Step(200 * Ms)]);
        analysis.OnEvents([.. Sleep(17_600_000, 99 * Ms), .. Sleep(117_600_000, 199 * Ms)]);
        analysis.OnEvents([Block(17_600_000, 99 * Ms, [0x70, 0x60, 0x10])]);
        analysis.OnEvents([new Event<ActivitySpan>(
            new EventHeader(SyscallSpanKind, 117_600_000, 7, 7) { DurationNs = 81 * Ms },
            new ActivitySpan("syscall", "clock_nanosleep", string.Empty, string.Empty, default, default))]);
        analysis.OnTick(long.MaxValue);

        var rows = Rows(analysis);
        Assert.Equal(["sleeping in u70 ← u60 ← u10", "in clock_nanosleep"], rows.Select(r => r.GetProperty("doing").GetString()));
    }

    [Fact]
    public void Work_on_the_CPU_names_the_function_the_samples_fell_in()
    {
        var analysis = Analysis();
        analysis.OnEvents([.. Step(0), .. Step(100 * Ms)]);
        // No scheduler source: only CPU samples, 20 in host code, 2 elsewhere.
        analysis.OnEvents([.. Enumerable.Range(0, 20).Select(i => Tick(20 * Ms + (i * Ms), [0x90, 0x80])), Tick(60 * Ms, [0x95]), Tick(61 * Ms, [0x95])]);
        analysis.OnTick(long.MaxValue);

        var row = Assert.Single(Rows(analysis));
        Assert.Equal("on CPU in u90 ← u80", row.GetProperty("doing").GetString());
        Assert.Equal(22, row.GetProperty("samples").GetInt64());
        Assert.Equal(JsonValueKind.Null, row.GetProperty("on_cpu_ns").ValueKind);
        Assert.Equal(string.Empty, row.GetProperty("blocked").GetString());
    }

    [Fact]
    public void Waiting_for_a_CPU_counts_as_wanting_to_run_not_as_being_blocked()
    {
        var analysis = Analysis();
        analysis.OnEvents([.. Step(0), .. Step(100 * Ms)]);
        // Computing in the gap, preempted for 50 ms of it (runnable): still "on CPU in" the function.
        analysis.OnEvents([
            new Event<ThreadSwitch>(new EventHeader(ThreadSwitch.Kind, 17 * Ms, 0, 0), new ThreadSwitch(0, 0, 0, SchedState.Running, 7, 7, "swapper", "driver")),
            new Event<ThreadSwitch>(new EventHeader(ThreadSwitch.Kind, 30 * Ms, 7, 7), new ThreadSwitch(0, 7, 7, SchedState.Runnable, 9, 9, "driver", "other")),
            new Event<ThreadSwitch>(new EventHeader(ThreadSwitch.Kind, 80 * Ms, 9, 9), new ThreadSwitch(0, 9, 9, SchedState.Runnable, 7, 7, "other", "driver")),
        ]);
        analysis.OnEvents([.. Enumerable.Range(0, 10).Select(i => Tick(20 * Ms + (i * Ms), [0x90, 0x80]))]);
        analysis.OnTick(long.MaxValue);

        var row = Assert.Single(Rows(analysis));
        Assert.Equal("on CPU in u90 ← u80", row.GetProperty("doing").GetString());
        Assert.Equal(50 * Ms, row.GetProperty("runnable_ns").GetInt64());
        Assert.Equal(50 * Ms, row.GetProperty("off_cpu_ns").GetInt64());
        Assert.Equal("runnable (waiting for a CPU)", row.GetProperty("blocked").GetString());
    }

    [Fact]
    public void Without_evidence_the_gap_is_unknown_and_short_gaps_are_not_listed()
    {
        var analysis = Analysis();
        analysis.OnEvents([.. Step(0), .. Step(100 * Ms)]);
        analysis.OnTick(long.MaxValue);

        // The 0.5 ms gaps within a step (between a copy and the next launch) are left out.
        var row = Assert.Single(Rows(analysis));
        Assert.Equal("unknown", row.GetProperty("doing").GetString());
    }

    [Fact]
    public void The_gap_the_device_is_in_now_is_listed_as_ongoing()
    {
        var analysis = Analysis();
        analysis.OnEvents([.. Step(0)]);
        analysis.OnEvents([.. Sleep(17_600_000, 400 * Ms)]);
        analysis.OnTick(300 * Ms);

        var row = Assert.Single(Rows(analysis));
        Assert.Equal(1, row.GetProperty("ongoing").GetInt64());
        Assert.Equal(300 * Ms - 17_500_000, row.GetProperty("idle_ns").GetInt64());
        Assert.Equal("sleeping (S)", row.GetProperty("doing").GetString());
    }

    [Fact]
    public void Busy_share_per_window_follows_submissions_to_the_waits_that_covered_them()
    {
        var analysis = Analysis();
        // Ten steps in the first second: 16.5 ms busy each; then a second with one step on stream 5 whose
        // synchronisation of another stream does not end it: busy until the context synchronisation.
        analysis.OnEvents([.. Enumerable.Range(0, 10).SelectMany(i => Step(i * 100 * Ms))]);
        analysis.OnEvents([
            Call(GpuCallClass.Launch, "cuLaunchKernel", 1100 * Ms, Ms / 10, stream: 5, kernel: "k"),
            Call(GpuCallClass.Synchronize, "cuStreamSynchronize", 1200 * Ms, Ms, stream: 6),
            Call(GpuCallClass.Synchronize, "cuCtxSynchronize", 1500 * Ms, 100 * Ms),
        ]);
        analysis.OnTick(2000 * Ms);

        var series = ModelJson.Query(analysis.Busy).GetProperty("series")[0];
        Assert.Equal("driver (7)", series.GetProperty("label").GetString());
        Assert.Equal([16.5, 50.0], series.GetProperty("values").EnumerateArray().Select(v => v.GetDouble()));
    }

    [Fact]
    public void An_exited_process_leaves_no_gap_open()
    {
        var analysis = Analysis();
        analysis.OnEvents([.. Step(0)]);
        analysis.OnEvents([new Event<ProcessLifecycle>(
            new EventHeader(ProcessLifecycle.ExitKind, 50 * Ms, 7, 7),
            new ProcessLifecycle(ProcessChange.Exit, "driver"))]);
        analysis.OnTick(300 * Ms);

        Assert.Empty(Rows(analysis));
    }

    private static readonly EventKind SyscallSpanKind = EventKind.Register("test.gpu.syscall.slow", Layer.Syscall);

    private static GpuIdleAnalysis Analysis() => new(new TableSymbolizer(), ProcessFilter.All, 0, TimeSpan.FromSeconds(1));

    /// <summary>The driver's thread sleeps from <paramref name="outNs"/> and runs again at <paramref name="inNs"/>.</summary>
    private static Event<ThreadSwitch>[] Sleep(long outNs, long inNs) =>
    [
        new(new EventHeader(ThreadSwitch.Kind, outNs, 7, 7), new ThreadSwitch(0, 7, 7, SchedState.Sleeping, 0, 0, "driver", "swapper")),
        new(new EventHeader(ThreadSwitch.Kind, inNs, 0, 0), new ThreadSwitch(0, 0, 0, SchedState.Running, 7, 7, "swapper", "driver")),
    ];

    private static Event<BlockSpan> Block(long startNs, long endNs, ulong[] stack) =>
        new(new EventHeader(BlockSpan.Kind, startNs, 7, 7) { DurationNs = endNs - startNs }, new BlockSpan(SchedState.Sleeping, 0, stack, default, default));

    private static Event<CpuSampleTick> Tick(long timeNs, ulong[] stack) =>
        new(new EventHeader(CpuSampleTick.Kind, timeNs, 7, 7), new CpuSampleTick(stack, default));

    private static List<JsonElement> Rows(GpuIdleAnalysis analysis)
    {
        var table = ModelJson.Query(analysis.Gaps);
        var names = table.GetProperty("columns").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToArray();
        return [.. table.GetProperty("rows").EnumerateArray().Select(row =>
        {
            var values = row.EnumerateArray().ToArray();
            using var doc = JsonDocument.Parse("{" + string.Join(',', names.Select((n, i) => $"\"{n}\":{values[i].GetRawText()}")) + "}");
            return doc.RootElement.Clone();
        })];
    }
}
