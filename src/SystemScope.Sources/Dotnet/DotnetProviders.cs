using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;

namespace SystemScope.Sources.Dotnet;

/// <summary>What to ask the runtime for.</summary>
/// <param name="Allocations">Allocation sampling (AllocationTick, which needs the verbose level).</param>
/// <param name="CounterIntervalSec">System.Runtime counters every so many seconds; 0: none.</param>
internal sealed record DotnetSettings(bool Allocations, bool Stacks, bool ExceptionMessages, int CounterIntervalSec);

/// <summary>
/// The EventPipe providers of a session: Microsoft-Windows-DotNETRuntime with the GC, JIT, contention,
/// thread-pool and exception keywords, and System.Runtime's counters. Allocation sampling needs the
/// verbose level, which would also turn on the thread-pool keyword's per-work-item events
/// (enqueue/dequeue): with allocations on, that keyword is left out, and worker counts and queue length
/// come from the counters. .NET 10's event-id filter (CollectTracing5) would avoid that, but with any
/// filter the runtime stops sending AllocationTick from managed threads (seen on 10.0): not used.
/// </summary>
internal static class DotnetProviders
{
    public const long GcKeyword = 0x1;
    public const long JitKeyword = 0x10;
    public const long ContentionKeyword = 0x4000;
    public const long ExceptionKeyword = 0x8000;
    public const long ThreadingKeyword = 0x10000;

    public static IReadOnlyList<EventPipeProvider> Create(DotnetSettings settings)
    {
        var level = settings.Allocations ? EventLevel.Verbose : EventLevel.Informational;
        var keywords = GcKeyword | JitKeyword | ContentionKeyword | ExceptionKeyword | (settings.Allocations ? 0 : ThreadingKeyword);
        var providers = new List<EventPipeProvider> { new(RuntimeEventDecoder.RuntimeProvider, level, keywords) };
        if (settings.CounterIntervalSec > 0)
        {
            providers.Add(new EventPipeProvider("System.Runtime", EventLevel.Informational, 0, new Dictionary<string, string>
            {
                ["EventCounterIntervalSec"] = settings.CounterIntervalSec.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }));
        }

        return providers;
    }
}
