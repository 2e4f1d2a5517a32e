using SystemScope.Core.Events;
using SystemScope.Core.Sessions;
using SystemScope.Core.Sources;
using SystemScope.Sources.Cpu;

namespace SystemScope.Kernel.Tests.Infrastructure;

/// <summary>A started CPU source with a recorder on its bus: the agent side of a kernel test.</summary>
internal sealed class CpuHarness : IDisposable
{
    private CpuHarness(CpuSource source, EventRecorder recorder)
    {
        Source = source;
        Recorder = recorder;
    }

    public CpuSource Source { get; }

    public EventRecorder Recorder { get; }

    public static CpuHarness Start(SessionSpec spec, CpuSourceOptions? options = null)
    {
        KernelRequirement.EnsureRoot();
        var bus = new EventBus();
        var recorder = EventRecorder.AttachTo(bus);
        var provider = new CpuSourceProvider(options ?? CpuSourceOptions.Default);
        var source = (CpuSource)provider.Create(new SourceContext(spec, bus, Environment.ProcessId));
        try
        {
            source.Start();
        }
        catch
        {
            source.Dispose();
            throw;
        }

        return new CpuHarness(source, recorder);
    }

    /// <summary>Waits until <paramref name="count"/> more windows have been drained and published.</summary>
    public void WaitForWindows(int count) => Recorder.WaitForWindows(count, () => (int)Source.Windows);

    public void Dispose() => Source.Dispose();
}
