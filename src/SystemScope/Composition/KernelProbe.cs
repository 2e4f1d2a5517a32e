using SystemScope.Bpf;
using SystemScope.Core.Capabilities;

namespace SystemScope.Composition;

/// <summary>What the kernel allows, for /api/capabilities and <c>systemscope capabilities</c>; probed once, on first request.</summary>
internal sealed class KernelProbe : IKernelProbe
{
    private readonly Lazy<IReadOnlyList<FeatureProbe>> _features = new(
        () => [.. KernelFeatures.Probe().Select(f => new FeatureProbe(f.Id, f.Available, string.IsNullOrEmpty(f.Detail) ? null : f.Detail))]);

    public KernelFacts Kernel()
    {
        var features = Features();
        bool Has(string id) => features.Any(f => f.Id == id && f.Available);
        return new KernelFacts(
            File.ReadAllText("/proc/sys/kernel/osrelease").Trim(),
            Has(KernelFeatures.Btf),
            Has(KernelFeatures.Tracefs),
            Has(KernelFeatures.Bpffs),
            Environment.ProcessorCount);
    }

    public IReadOnlyList<FeatureProbe> Features() => _features.Value;
}
