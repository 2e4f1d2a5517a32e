using System.Collections.Concurrent;
using SystemScope.Bpf;

namespace SystemScope.Sources;

/// <summary>
/// The BPF objects compiled by <c>make bpf</c> and embedded in this assembly as resources named
/// <c>bpf/NAME.bpf.o</c>. Each is read once and shared (specs are inert).
/// </summary>
public static class EmbeddedBpfObjects
{
    private static readonly ConcurrentDictionary<string, BpfObjectSpec> Cache = new(StringComparer.Ordinal);

    /// <summary>The spec of <c>bpf/<paramref name="fileName"/></c>, e.g. <c>cpu_profile.bpf.o</c>.</summary>
    public static BpfObjectSpec Get(string fileName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fileName);
        return Cache.GetOrAdd(fileName, Read);
    }

    /// <summary>The file names of every embedded object.</summary>
    public static IReadOnlyList<string> Names() =>
        [.. typeof(EmbeddedBpfObjects).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("bpf/", StringComparison.Ordinal))
            .Select(n => n["bpf/".Length..])
            .Order(StringComparer.Ordinal)];

    private static BpfObjectSpec Read(string fileName)
    {
        var resource = "bpf/" + fileName;
        using var stream = typeof(EmbeddedBpfObjects).Assembly.GetManifestResourceStream(resource)
            ?? throw new FileNotFoundException(
                $"BPF object {resource} is not embedded in {typeof(EmbeddedBpfObjects).Assembly.GetName().Name} " +
                $"(embedded: {string.Join(", ", Names())}); build it with 'make bpf' and rebuild", resource);
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        var name = fileName.EndsWith(".bpf.o", StringComparison.Ordinal) ? fileName[..^".bpf.o".Length] : fileName;
        return new BpfObjectSpec(name, bytes);
    }
}
