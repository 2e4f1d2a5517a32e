using SystemScope.Symbols.Runtimes.Dotnet;
using SystemScope.Symbols.Runtimes.Jvm;
using SystemScope.Symbols.Support;

namespace SystemScope.Symbols.Runtimes;

/// <summary>The runtimes whose JIT code the symbolizer asks names for: one line each.</summary>
internal static class RuntimeRegistry
{
    /// <param name="perfMapAppended">The runtime appends to its map: read what was added.</param>
    /// <param name="perfMapRewritten">The runtime rewrote its map as a whole: read it again.</param>
    public static IReadOnlyList<IRuntimeNames> Create(SymbolizerOptions options, FailureLog failures, Action<int> perfMapAppended, Action<int> perfMapRewritten)
    {
        var runtimes = new List<IRuntimeNames>();
        if (options.EnableDotnetPerfMaps)
        {
            runtimes.Add(new DotnetRuntimeNames(new DotnetPerfMapController(options.ProcRoot, options.DiagnosticTimeout, failures, perfMapAppended)));
        }

        if (options.EnableJvmPerfMaps)
        {
            runtimes.Add(new JvmPerfMapController(options.ProcRoot, options.DiagnosticTimeout, options.JvmPerfMapRefresh, failures, perfMapRewritten));
        }

        return runtimes;
    }
}
