using System.Runtime.InteropServices;
using SystemScope.Bpf;
using SystemScope.Kernel.Tests.Infrastructure;
using SystemScope.Sources;

namespace SystemScope.Kernel.Tests.Bpf;

[Collection(KernelCollection.Name)]
public sealed class BpfObjectTests
{
    private static BpfObjectSpec CpuProfile => EmbeddedBpfObjects.Get("cpu_profile.bpf.o");

    [Fact]
    public void Settings_are_found_by_name_at_their_btf_offsets()
    {
        using var obj = CpuProfile.Open();

        // Reading the compiled defaults back through the DATASEC offsets proves the offsets.
        Assert.Equal(240u, obj.GetConstant<uint>("ss_max_stack_depth"));
        Assert.Equal(64UL * 1024, obj.GetConstant<ulong>("ss_wakeup_threshold"));

        obj.SetConstant("ss_max_stack_depth", 33u);
        obj.SetConstant("ss_wakeup_threshold", 12345UL);
        Assert.Equal(33u, obj.GetConstant<uint>("ss_max_stack_depth"));
        Assert.Equal(12345UL, obj.GetConstant<ulong>("ss_wakeup_threshold"));
        Assert.Equal(["include_idle", "ss_max_stack_depth", "ss_unwind_mode", "ss_wakeup_threshold", "stream_ticks", "tick_cap_per_cpu"], obj.ConstantNames.Order(StringComparer.Ordinal));
        Assert.Equal(1000u, obj.GetConstant<uint>("tick_cap_per_cpu"));
    }

    [Fact]
    public void Invalid_settings_are_rejected_with_what_was_wrong()
    {
        using var obj = CpuProfile.Open();

        var unknown = Assert.Throws<KeyNotFoundException>(() => obj.SetConstant("max_depth", 1u));
        Assert.Contains("object cpu_profile: no setting named max_depth", unknown.Message, StringComparison.Ordinal);
        Assert.Contains("ss_max_stack_depth", unknown.Message, StringComparison.Ordinal);

        var size = Assert.Throws<ArgumentException>(() => obj.SetConstant("ss_wakeup_threshold", 1u));
        Assert.Contains("setting ss_wakeup_threshold is 8 bytes, not 4", size.Message, StringComparison.Ordinal);

        var zero = Assert.Throws<ArgumentOutOfRangeException>(() => obj.SetMaxEntries("counts_0", 0));
        Assert.Contains("map counts_0: max_entries must be at least 1", zero.Message, StringComparison.Ordinal);

        var map = Assert.Throws<KeyNotFoundException>(() => obj.SetMaxEntries("counts_9", 10));
        Assert.Contains("no map named counts_9", map.Message, StringComparison.Ordinal);

        var program = Assert.Throws<KeyNotFoundException>(() => obj.SetAutoload("nope", false));
        Assert.Contains("cpu_sample", program.Message, StringComparison.Ordinal);

        Assert.Throws<ArgumentException>(() => new BpfObjectSpec("junk", new byte[] { 1, 2, 3, 4 }));
    }

    [KernelFact]
    public void A_loaded_object_gives_maps_and_programs_by_name_and_map_operations_work()
    {
        KernelRequirement.EnsureRoot();
        using var obj = CpuProfile.Open();
        obj.SetMaxEntries("ss_filter_tgids", 4);
        obj.Load();

        Assert.Throws<InvalidOperationException>(() => obj.SetConstant("ss_max_stack_depth", 1u));
        Assert.Equal("perf_event", obj.Program("cpu_sample").SectionName);

        var targets = obj.Map("ss_filter_tgids");
        Assert.Equal(4u, targets.MaxEntries);
        Assert.False(targets.TryLookup(7u, out byte _));
        targets.Update(7u, (byte)1);
        targets.Update(9u, (byte)2);
        var full = Assert.Throws<BpfException>(() =>
        {
            for (var i = 100u; i < 110; i++)
            {
                targets.Update(i, (byte)3);
            }
        });
        Assert.Equal(Errno.E2BIG, full.Errno);
        Assert.StartsWith("map ss_filter_tgids: update: ", full.Message, StringComparison.Ordinal);
        Assert.Throws<BpfException>(() => targets.Update(7u, (byte)5, BpfUpdateFlags.NoExist));
        Assert.True(targets.TryLookup(9u, out byte value));
        Assert.Equal(2, value);

        var keys = new List<uint>();
        uint current = 0, next = 0;
        for (var more = targets.TryGetNextKey([], MemoryMarshal.AsBytes(new Span<uint>(ref next)));
             more;
             more = targets.TryGetNextKey(MemoryMarshal.AsBytes(new Span<uint>(ref current)), MemoryMarshal.AsBytes(new Span<uint>(ref next))))
        {
            keys.Add(next);
            current = next;
        }

        Assert.Equal(4, keys.Count);
        Assert.Contains(7u, keys);
        Assert.True(targets.TryDelete(7u));
        Assert.False(targets.TryDelete(7u));

        // Per-CPU: one 8-byte slot per possible CPU; a fresh counter sums to zero.
        var counters = obj.Map("cpu_counters");
        Assert.True(counters.IsPerCpu);
        Assert.Equal(8 * Cpus.PossibleCount, counters.ValueBufferSize);
        Assert.Equal(0UL, counters.SumPerCpu(0));
        var perCpu = new byte[counters.ValueBufferSize];
        for (var cpu = 0; cpu < Cpus.PossibleCount; cpu++)
        {
            BitConverter.TryWriteBytes(perCpu.AsSpan(cpu * 8), (ulong)(cpu + 1));
        }

        counters.Update(BitConverter.GetBytes(3u), perCpu);
        Assert.Equal((ulong)(Cpus.PossibleCount * (Cpus.PossibleCount + 1) / 2), counters.SumPerCpu(3));

        var wrong = Assert.Throws<ArgumentException>(() => targets.TryLookup(BitConverter.GetBytes(1UL), new byte[1]));
        Assert.Contains("map ss_filter_tgids: key is 8 bytes, the map needs 4", wrong.Message, StringComparison.Ordinal);
    }

    [KernelFact]
    public void Programs_left_out_of_a_load_are_named_as_such()
    {
        KernelRequirement.EnsureRoot();
        using var obj = EmbeddedBpfObjects.Get("process.bpf.o").Open();
        foreach (var name in obj.ProgramNames.Where(n => n.EndsWith("_raw", StringComparison.Ordinal)))
        {
            obj.SetAutoload(name, false);
        }

        obj.Load();
        Assert.Equal("tp_btf/sched_process_exec", obj.Program("process_exec_btf").SectionName);
        Assert.Contains("autoload was off", Assert.Throws<KeyNotFoundException>(() => obj.Program("process_exec_raw")).Message, StringComparison.Ordinal);
    }

    [KernelFact]
    public void Batch_lookup_and_delete_empties_a_hash_map()
    {
        KernelRequirement.EnsureRoot();
        using var obj = CpuProfile.Open();
        obj.Load();
        var targets = obj.Map("ss_filter_tgids");
        for (var i = 1u; i <= 300; i++)
        {
            targets.Update(i, (byte)(i % 200));
        }

        var seen = new Dictionary<uint, byte>();
        var keys = new byte[64 * 4];
        var values = new byte[64];
        var cursor = default(BpfBatchCursor);
        bool done;
        do
        {
            var n = targets.LookupAndDeleteBatch(ref cursor, keys, values, out done);
            for (var i = 0; i < n; i++)
            {
                seen.Add(BitConverter.ToUInt32(keys, i * 4), values[i]);
            }
        }
        while (!done);

        Assert.Equal(300, seen.Count);
        Assert.All(seen, kv => Assert.Equal((byte)(kv.Key % 200), kv.Value));
        Assert.False(targets.TryGetNextKey([], new byte[4]));
    }

    [KernelFact]
    public void A_rejected_program_reports_which_and_the_verifier_log()
    {
        KernelRequirement.EnsureRoot();
        var before = KernelObjectCensus.CountSelf();
        var spec = new BpfObjectSpec("invalid_map_access", File.ReadAllBytes(Workloads.BuildBpf("invalid_map_access")));
        using (var obj = spec.Open())
        {
            var error = Assert.Throws<BpfLoadException>(obj.Load);

            Assert.Equal("unchecked_lookup", error.FailedProgram);
            Assert.Equal("object invalid_map_access: load: program unchecked_lookup: Permission denied (EACCES) (R0 invalid mem access 'map_value_or_null')", error.Message);
            Assert.Equal(Errno.EACCES, error.Errno);
            Assert.Contains("R0 invalid mem access 'map_value_or_null'", error.VerifierLog, StringComparison.Ordinal);
            Assert.Contains(error.VerifierLog, error.Detail!, StringComparison.Ordinal);
            Assert.Contains(error.LibbpfMessages, m => m.Contains("prog 'unchecked_lookup': BPF program load failed", StringComparison.Ordinal));
            Assert.DoesNotContain(error.LibbpfMessages, LibbpfLog.IsMisleading);
            Assert.Contains(LibbpfLog.Recent(), m => m.Contains("'unchecked_lookup'", StringComparison.Ordinal));
        }

        Assert.Equal(before, KernelObjectCensus.CountSelf());
    }

    [KernelFact]
    public void The_census_counts_what_an_object_holds_and_sees_it_released()
    {
        KernelRequirement.EnsureRoot();
        var before = KernelObjectCensus.CountSelf();
        using (var obj = CpuProfile.Open())
        {
            obj.Load();
            var during = KernelObjectCensus.CountSelf();

            Assert.Equal(before.BpfPrograms + 1, during.BpfPrograms);
            Assert.Equal(before.BpfMaps + obj.MapNames.Count, during.BpfMaps);
            Assert.True(during.BtfObjects > before.BtfObjects, $"{during}");

            using var perf = PerfEventHandle.OpenCpuClock(0, 99);
            using var link = obj.Program("cpu_sample").AttachPerfEvent(perf);
            var attached = KernelObjectCensus.CountSelf();
            Assert.Equal(before.PerfEvents + 2, attached.PerfEvents); // ours and the link's duplicate
            Assert.Equal(before.BpfLinks + 1, attached.BpfLinks);
        }

        Assert.Equal(before, KernelObjectCensus.CountSelf());
    }
}
