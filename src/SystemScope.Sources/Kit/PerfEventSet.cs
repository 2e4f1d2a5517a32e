using SystemScope.Bpf;

namespace SystemScope.Sources.Kit;

/// <summary>
/// One perf event per online CPU, each running the same program: open, attach, then pause and resume
/// with one ioctl per CPU (nothing is reloaded). Disposing detaches the program and closes the events.
/// </summary>
internal sealed class PerfEventSet : IDisposable
{
    private readonly List<PerfEventHandle> _events = [];
    private readonly List<BpfLink> _links = [];

    private PerfEventSet()
    {
    }

    public int Count => _events.Count;

    public bool Enabled { get; private set; }

    /// <summary>A cpu-clock sampling event at <paramref name="frequencyHz"/> on every online CPU, running <paramref name="program"/>.</summary>
    public static PerfEventSet CpuClock(BpfProgram program, int frequencyHz, bool enabled = true) =>
        Open(program, cpu => PerfEventHandle.OpenCpuClock(cpu, frequencyHz), enabled);

    /// <summary>A page-fault event (minor or major, every <paramref name="period"/> faults) on every online CPU, running <paramref name="program"/>.</summary>
    public static PerfEventSet PageFaults(BpfProgram program, bool major, ulong period = 1, bool enabled = true) =>
        Open(program, cpu => PerfEventHandle.OpenPageFaults(cpu, major, period), enabled);

    private static PerfEventSet Open(BpfProgram program, Func<int, PerfEventHandle> open, bool enabled)
    {
        var set = new PerfEventSet();
        try
        {
            foreach (var cpu in Cpus.Online())
            {
                var perf = open(cpu);
                set._events.Add(perf);
                set._links.Add(program.AttachPerfEvent(perf)); // enables the event
            }

            set.Enabled = true;
            if (!enabled)
            {
                set.Disable();
            }

            return set;
        }
        catch
        {
            set.Dispose();
            throw;
        }
    }

    public void Enable()
    {
        foreach (var perf in _events)
        {
            perf.Enable();
        }

        Enabled = true;
    }

    public void Disable()
    {
        foreach (var perf in _events)
        {
            perf.Disable();
        }

        Enabled = false;
    }

    /// <summary>Detaches first (no program runs after this returns), then closes the events.</summary>
    public void Dispose()
    {
        foreach (var link in _links)
        {
            link.Dispose();
        }

        _links.Clear();
        foreach (var perf in _events)
        {
            perf.Dispose();
        }

        _events.Clear();
        Enabled = false;
    }
}
