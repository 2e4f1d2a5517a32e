using SystemScope.Core.Events;
using SystemScope.Core.Events.Gpu;
using SystemScope.Core.Symbols;

namespace SystemScope.Core.Tests.Gpu;

/// <summary>Known sequences of accelerator API calls, as the gpu source publishes them.</summary>
internal static class GpuCalls
{
    public const long Ms = 1_000_000;
    public const long MiB = 1 << 20;

    public static Event<GpuApiCall> Call(
        GpuCallClass kind, string function, long startNs, long durationNs, int pid = 7, int tid = 7, ulong[]? stack = null,
        string kernel = "", ulong kernelAddress = 0, long bytes = 0, ulong pointer = 0, ulong stream = 0, int result = 0) =>
        new(new EventHeader(GpuApiCall.Kind, startNs, pid, tid) { DurationNs = durationNs },
            new GpuApiCall("cuda", function, kind, kernel, kernelAddress, bytes, pointer, stream, (1, 1, 1), (256, 1, 1), result, stack ?? [0x30, 0x20, 0x10])
            {
                ProcessName = "driver",
                ThreadName = "driver",
            });

    /// <summary>
    /// The stand-in driver's step at <paramref name="baseNs"/>: a synchronous 1 MiB copy to the device
    /// [0, 1 ms), four launches from 1.5 ms, a stream synchronisation [6, 16 ms), a synchronous 1 MiB
    /// copy back [16.5, 17.5 ms). The device is busy 16.5 ms of it.
    /// </summary>
    public static IEnumerable<Event<GpuApiCall>> Step(long baseNs, int pid = 7, int tid = 7, ulong stream = 0)
    {
        yield return Call(GpuCallClass.CopyHostToDevice, "cuMemcpyHtoD_v2", baseNs, Ms, pid, tid, bytes: MiB);
        for (var k = 0; k < 4; k++)
        {
            yield return Call(GpuCallClass.Launch, "cuLaunchKernel", baseNs + (3 * Ms / 2) + (k * Ms), Ms / 10, pid, tid, kernel: "vecAdd", stream: stream);
        }

        yield return Call(GpuCallClass.Synchronize, "cuStreamSynchronize", baseNs + (6 * Ms), 10 * Ms, pid, tid, stream: stream);
        yield return Call(GpuCallClass.CopyDeviceToHost, "cuMemcpyDtoH_v2", baseNs + (33 * Ms / 2), Ms, pid, tid, bytes: MiB);
    }
}

/// <summary>Names addresses below 0x1000 <c>u…</c> (as <see cref="TableSymbolizer"/>); others resolve to no symbol.</summary>
internal sealed class PartlyKnownSymbolizer : IStackSymbolizer
{
    public int ResolveUser(int pid, ReadOnlySpan<ulong> addresses, Span<Symbol> frames)
    {
        for (var i = 0; i < addresses.Length; i++)
        {
            frames[i] = addresses[i] < 0x1000
                ? new Symbol($"u{addresses[i]:x}", "app", FrameKind.Native)
                : new Symbol($"app+0x{addresses[i]:x}", "app", FrameKind.Unknown);
        }

        return addresses.Length;
    }

    public void ResolveKernel(ReadOnlySpan<ulong> addresses, Span<Symbol> frames)
    {
        for (var i = 0; i < addresses.Length; i++)
        {
            frames[i] = new Symbol($"k{addresses[i]:x}", "kernel", FrameKind.Kernel);
        }
    }
}
