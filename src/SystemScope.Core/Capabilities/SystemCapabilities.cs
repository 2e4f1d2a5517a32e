namespace SystemScope.Core.Capabilities;

/// <summary>Facts about the kernel the agent runs on.</summary>
public sealed record KernelFacts(string Release, bool Btf, bool Tracefs, bool Bpffs, int Cpus);

/// <summary>One probed kernel feature (ring buffer, tp_btf, fentry …) and, when it is missing, why.</summary>
public sealed record FeatureProbe(string Id, bool Available, string? Detail);

/// <summary>Probes what the kernel allows; implemented over libbpf in the agent. Probing leaves nothing loaded.</summary>
public interface IKernelProbe
{
    KernelFacts Kernel();

    IReadOnlyList<FeatureProbe> Features();
}
