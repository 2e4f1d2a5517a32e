using System.Runtime.InteropServices;
using SystemScope.Bpf;
using SystemScope.Kernel.Tests.Infrastructure;
using SystemScope.Sources;
using SystemScope.Sources.Cpu;
using SystemScope.Sources.Kit;
using SystemScope.Sources.Process;
using Xunit.Abstractions;

namespace SystemScope.Kernel.Tests.Kit;

/// <summary>What the kit checks and gives every source: layouts against BTF, counter names from BTF, task storage.</summary>
[Collection(KernelCollection.Name)]
public sealed class KitObjectTests(ITestOutputHelper output)
{
    [Fact]
    public void A_record_layout_that_disagrees_with_the_btf_is_refused_before_anything_is_loaded()
    {
        var schema = new ObjectSchema("process.bpf.o");
        schema.Record(WrongProcEvent.Layout);
        var before = KernelObjectCensus.CountSelf();

        var error = Assert.Throws<KitLayoutException>(() => KitObject.Load(schema, shared: null));

        output.WriteLine(error.Message);
        Assert.StartsWith("object process: the BPF object and its C# declarations disagree: record struct ss_proc_event: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("it is 48 bytes in BTF, 44 in WrongProcEvent", error.Message, StringComparison.Ordinal);
        Assert.Contains("member tid is at offset 16 (4 bytes) in BTF, at 20 (4 bytes) in C#", error.Message, StringComparison.Ordinal);
        Assert.Contains("BTF has no member pid", error.Message, StringComparison.Ordinal);
        Assert.Contains("rebuild with 'make bpf'", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, KernelObjectCensus.CountSelf());
    }

    [Fact]
    public void A_map_or_enum_that_disagrees_is_refused_naming_it()
    {
        var schema = new ObjectSchema("cpu_profile.bpf.o");
        schema.Map<uint, ulong>("ss_filter_tgids", ScalarLayout.U32, ScalarLayout.U64);
        schema.Map<ulong, CpuCountKey>("counts_0", ScalarLayout.U64, CpuCountKey.Layout);
        schema.Map<uint, uint>("counts_9", ScalarLayout.U32, ScalarLayout.U32);
        schema.Enum<WrongKind>("ss_proc_kind", "SS_PROC_");

        var error = Assert.Throws<KitLayoutException>(() => KitObject.Load(schema, shared: null));

        output.WriteLine(error.Message);
        Assert.Contains("map ss_filter_tgids value: BTF says __u8 of 1 bytes, C# expects __u64 of 8", error.Message, StringComparison.Ordinal);
        Assert.Contains("map counts_0 key: BTF says struct cpu_count_key of 24 bytes, C# expects __u64 of 8", error.Message, StringComparison.Ordinal);
        Assert.Contains("map counts_0 value: BTF says __u64, C# expects struct cpu_count_key", error.Message, StringComparison.Ordinal);
        Assert.Contains("no map counts_9 (maps: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("enum ss_proc_kind: BTF has no SS_PROC_SPAWN", error.Message, StringComparison.Ordinal);
        Assert.Contains("SS_PROC_SEEN is 0 in BTF, 1 in C#", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_sources_declarations_agree_with_their_objects()
    {
        // Loading needs root; the checks before it do not.
        foreach (var schema in new[] { KitSchema.Session, ProcessSchema.Object, CpuProfileSchema.Object })
        {
            using var obj = EmbeddedBpfObjects.Get(schema.FileName).Open();
            Assert.Equal([], schema.Maps.Select(m => m.Name).Except(obj.MapNames));
        }

        using var process = EmbeddedBpfObjects.Get(ProcessSchema.Object.FileName).Open();
        var kinds = process.Types.FindEnum("ss_proc_kind")!;
        Assert.Equal(Enum.GetNames<Core.Events.Process.ProcessChange>().Length, kinds.Values.Count);
    }

    [Theory]
    [InlineData("CPU_CTR_LOST_COUNTS_FULL", "lost.counts_full")]
    [InlineData("CPU_CTR_SAMPLES_TAKEN", "samples.taken")]
    [InlineData("SS_CTR_RECORDS", "records")]
    [InlineData("SS_CTR_STACK_USER_ERRORS", "stack.user_errors")]
    public void Counter_names_come_from_the_enumerators(string enumerator, string name) =>
        Assert.Equal(name, KernelCounters.NameOf(enumerator));

    [KernelFact]
    public void Counters_are_named_from_the_objects_btf()
    {
        KernelRequirement.EnsureRoot();
        using var cpu = KitObject.Load(CpuProfileSchema.Object, shared: null);

        Assert.Equal(
            ["records", "lost.records", "processes.announced", "filter.busy", "stack.user_errors", "stack.kernel_errors", "stacks.reserved",
             "stack.user_unwound", "stack.user_no_tables", "stack.user_truncated", "stack.user_broken",
             "samples.taken", "samples.skipped", "samples.accepted", "samples.recorded", "lost.counts_full", "lost.stacks_full", "lost.other", "ticks", "ticks.capped"],
            cpu.Counters.Names);
        Assert.All(cpu.Counters.Read(), kv => Assert.Equal(0, kv.Value));
    }

    [KernelFact]
    public void Task_storage_holds_a_value_per_task_across_programs_runs()
    {
        // tests/workloads/kit_task_scratch.bpf.c counts each getppid(2) of the target in the calling
        // task's scratch space, and copies the count where user space can read it.
        const int Calls = 5000;
        KernelRequirement.EnsureRoot();
        var before = KernelObjectCensus.CountSelf();
        using (var workload = Workloads.Start("syscall_loop", "getppid", Calls.ToString(System.Globalization.CultureInfo.InvariantCulture)))
        using (var obj = new BpfObjectSpec("kit_task_scratch", File.ReadAllBytes(Workloads.BuildBpf("kit_task_scratch"))).Open())
        {
            obj.SetConstant("target_tgid", (uint)workload.Pid);
            obj.Load();
            Assert.Equal(29, obj.GetMapType("per_task")); // BPF_MAP_TYPE_TASK_STORAGE
            using var link = obj.Program("count_getppid").Attach();

            workload.WriteLine("go");
            Assert.Equal("done", workload.ReadLine());

            Assert.True(obj.Map("result").TryLookup(0u, out ulong counted));
            Assert.Equal((ulong)Calls, counted);
            workload.WriteLine("exit");
            workload.WaitForExit(EventRecorder.Patience);
        }

        Assert.Equal(before, KernelObjectCensus.CountSelf());
    }

    /// <summary>struct ss_proc_event as a careless edit would mirror it: a field inserted, one renamed.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 44)]
    private struct WrongProcEvent
    {
        [FieldOffset(0)] public ulong TimestampNs;
        [FieldOffset(8)] public uint Kind;
        [FieldOffset(12)] public uint Tgid;
        [FieldOffset(16)] public uint Pid;
        [FieldOffset(20)] public uint Tid;

        public static readonly RecordLayout<WrongProcEvent> Layout = RecordLayout<WrongProcEvent>.Of("ss_proc_event")
            .Member("timestamp_ns", static (ref WrongProcEvent e) => ref e.TimestampNs)
            .Member("tgid", static (ref WrongProcEvent e) => ref e.Tgid)
            .Member("pid", static (ref WrongProcEvent e) => ref e.Pid)
            .Member("tid", static (ref WrongProcEvent e) => ref e.Tid);
    }

    private enum WrongKind : uint
    {
        Spawn = 0,
        Seen = 1,
    }
}
