using SystemScope.Bpf;
using SystemScope.Kernel.Tests.Infrastructure;
using SystemScope.Sources.Kit;
using SystemScope.Sources.Process;
using Xunit.Abstractions;

namespace SystemScope.Kernel.Tests.Bpf;

[Collection(KernelCollection.Name)]
public sealed class KernelFeaturesTests(ITestOutputHelper output)
{
    [KernelFact]
    public void Probes_agree_with_what_actually_loads_and_leave_nothing_behind()
    {
        KernelRequirement.EnsureRoot();
        var before = KernelObjectCensus.CountSelf();

        var features = KernelFeatures.Probe();

        Assert.Equal(before, KernelObjectCensus.CountSelf());
        foreach (var feature in features)
        {
            output.WriteLine($"{feature.Id,-16} {(feature.Available ? "yes" : "no "),-4} {feature.Detail}");
            Assert.False(string.IsNullOrWhiteSpace(feature.Detail), feature.Id);
        }

        var byId = features.ToDictionary(f => f.Id);
        Assert.Equal(
            [KernelFeatures.Btf, KernelFeatures.RingBuffer, KernelFeatures.PerfEventProgram, KernelFeatures.TpBtf, KernelFeatures.RawTracepoint,
             KernelFeatures.Fentry, KernelFeatures.Kprobe, KernelFeatures.Uprobe, KernelFeatures.Tracefs, KernelFeatures.Bpffs, KernelFeatures.CpuClock],
            features.Select(f => f.Id));
        Assert.Equal(File.Exists("/sys/kernel/btf/vmlinux"), byId[KernelFeatures.Btf].Available);
        Assert.Equal(Directory.Exists("/sys/bus/event_source/devices/kprobe"), byId[KernelFeatures.Kprobe].Available);
        var mounts = File.ReadAllText("/proc/self/mounts");
        Assert.Equal(mounts.Contains(" tracefs ", StringComparison.Ordinal), byId[KernelFeatures.Tracefs].Available);
        Assert.Equal(mounts.Contains(" bpf ", StringComparison.Ordinal), byId[KernelFeatures.Bpffs].Available);

        // The process source loads tp_btf programs exactly when the tp_btf probe says it can.
        using var process = KitObject.Load(ProcessSchema.Object, shared: null);
        Assert.Equal(byId[KernelFeatures.TpBtf].Available, process.Variant == ProcessSchema.TpBtf);
        Assert.True(byId[KernelFeatures.PerfEventProgram].Available);
        Assert.True(byId[KernelFeatures.RingBuffer].Available);
        Assert.True(byId[KernelFeatures.CpuClock].Available);
    }

    [KernelFact]
    public void An_impossible_sampling_frequency_names_the_kernel_limit()
    {
        KernelRequirement.EnsureRoot();
        var limit = int.Parse(File.ReadAllText("/proc/sys/kernel/perf_event_max_sample_rate").Trim(), System.Globalization.CultureInfo.InvariantCulture);

        var error = Assert.Throws<BpfException>(() => PerfEventHandle.OpenCpuClock(0, limit + 1));

        Assert.Equal(Errno.EINVAL, error.Errno);
        Assert.Contains($"perf event cpu-clock on cpu 0 at {limit + 1} Hz", error.Message, StringComparison.Ordinal);
        Assert.Contains($"kernel.perf_event_max_sample_rate ({limit} Hz)", error.Message, StringComparison.Ordinal);
    }
}
