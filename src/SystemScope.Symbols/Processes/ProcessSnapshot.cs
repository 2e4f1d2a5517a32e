using SystemScope.Symbols.Elf;

namespace SystemScope.Symbols.Processes;

/// <summary>The executable mappings of a process at one moment, sorted by address. Immutable.</summary>
internal sealed class ProcessSnapshot
{
    private readonly ulong[] _starts;

    public ProcessSnapshot(ExecutableMapping[] mappings)
    {
        Array.Sort(mappings, static (a, b) => a.Start.CompareTo(b.Start));
        Mappings = mappings;
        _starts = [.. mappings.Select(m => m.Start)];
        foreach (var mapping in mappings)
        {
            HasDotnetRuntime |= mapping.Kind == MappingKind.File && mapping.Module == "libcoreclr.so";
            HasJitRegions |= mapping.Kind == MappingKind.Jit;
        }
    }

    public ExecutableMapping[] Mappings { get; }

    /// <summary>The .NET runtime is loaded (its perf map can be switched on over the diagnostic port).</summary>
    public bool HasDotnetRuntime { get; }

    public bool HasJitRegions { get; }

    public ExecutableMapping? Find(ulong address)
    {
        var index = FunctionTable.UpperBound(_starts, address) - 1;
        return index >= 0 && address < Mappings[index].End ? Mappings[index] : null;
    }
}
