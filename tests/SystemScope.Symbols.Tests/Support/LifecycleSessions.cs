using SystemScope.Core.Events;
using SystemScope.Core.Events.Process;
using SystemScope.Core.Sessions;
using SystemScope.Core.Sources;

namespace SystemScope.Symbols.Tests.Support;

/// <summary>
/// Real sessions (Core's SessionManager) with the symboliser as participant and one small source
/// that hands over process changes when the test says so, as the process lifecycle source does when
/// a data source first records a process, or it execs or exits.
/// </summary>
internal sealed class LifecycleSessions : IDisposable
{
    public const string SourceId = "lifecycle";

    private readonly LifecycleSourceProvider _provider = new();

    public LifecycleSessions(Symbolizer symbolizer)
    {
        Manager = new SessionManager([_provider], [], [symbolizer], new ProcProbe(), Environment.ProcessId);
    }

    public SessionManager Manager { get; }

    /// <summary>Starts a session; the returned source publishes its process changes.</summary>
    public (Session Session, LifecycleSource Source) Start()
    {
        var session = Manager.Start(new SessionSpec { Sources = [SourceRequest.Named(SourceId)] });
        return (session, _provider.Last!);
    }

    public void Dispose() => Manager.Dispose();

    private sealed class ProcProbe : IProcessProbe
    {
        public bool Exists(int pid) => Directory.Exists($"/proc/{pid}");
    }

    private sealed class LifecycleSourceProvider : ISourceProvider
    {
        public LifecycleSource? Last { get; private set; }

        public SourceDescriptor Descriptor { get; } = new(SourceId, "Process changes", Layer.Process, "Publishes process changes for symbolisation tests");

        public SourceAvailability Probe() => SourceAvailability.Yes("test");

        public ISource Create(SourceContext context) => Last = new LifecycleSource(Descriptor, context.Sink);
    }
}

internal sealed class LifecycleSource(SourceDescriptor descriptor, ISourceSink sink) : ISource
{
    private long _events;

    public SourceDescriptor Descriptor => descriptor;

    public IReadOnlyList<string> Mechanisms => ["test"];

    public IReadOnlyList<SourceCounter> Counters => [new("changes", Interlocked.Read(ref _events), CounterKind.Events, "process changes published")];

    public void Publish(int pid, ProcessChange change, string name = "test")
    {
        var header = new EventHeader(ProcessLifecycle.KindOf(change), MonotonicClock.NowNs(), pid, pid);
        sink.Publish(new EventBatch<ProcessLifecycle>([new Event<ProcessLifecycle>(header, new ProcessLifecycle(change, name))]));
        Interlocked.Increment(ref _events);
    }

    public void Start()
    {
    }

    public void Pause()
    {
    }

    public void Resume()
    {
    }

    public void Dispose()
    {
    }
}
