namespace SystemScope.Bpf;

/// <summary>
/// An inert BPF object: the bytes of a compiled ELF file and its name. Opening it gives a
/// <see cref="BpfObject"/> that can be configured, loaded and disposed; a spec can be opened any
/// number of times.
/// </summary>
public sealed class BpfObjectSpec
{
    private static ReadOnlySpan<byte> ElfMagic => [0x7f, (byte)'E', (byte)'L', (byte)'F'];

    public BpfObjectSpec(string name, ReadOnlyMemory<byte> elf)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!elf.Span.StartsWith(ElfMagic))
        {
            throw new ArgumentException($"BPF object {name} is not an ELF file ({elf.Length} bytes)", nameof(elf));
        }

        Name = name;
        Elf = elf;
    }

    /// <summary>The object's name: used in errors and as libbpf's object name (prefix of internal maps).</summary>
    public string Name { get; }

    public ReadOnlyMemory<byte> Elf { get; }

    /// <summary>Parses the object (nothing reaches the kernel yet). Throws <see cref="BpfException"/>.</summary>
    public BpfObject Open() => BpfObject.Open(this);

    public override string ToString() => $"{Name} ({Elf.Length} bytes)";
}
