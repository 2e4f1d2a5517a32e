using SystemScope.Core.Analyses;
using SystemScope.Core.Errors;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Process;
using SystemScope.Core.Models;
using SystemScope.Core.Options;
using SystemScope.Core.Sessions;
using SystemScope.Core.Sources;

namespace SystemScope.Core.Tests;

/// <summary>A payload the test sources publish: a value and the thread that read it.</summary>
internal readonly record struct TestPayload(int Value)
{
    public static readonly EventKind Kind = EventKind.Register("test.loop.value", Layer.Cpu);
}

/// <summary>A source with no kernel behind it: these tests are about sessions, options, the loop and leases.</summary>
internal sealed class FakeSourceProvider(string id, params SourceOption[] options) : ISourceProvider
{
    public List<FakeSource> Created { get; } = [];

    public bool FailOnStart { get; init; }

    public string? ProbeFailure { get; init; }

    public bool Implicit { get; init; }

    public Action<OptionValues>? CrossCheck { get; init; }

    public int Probes { get; private set; }

    public SourceDescriptor Descriptor => field ??= new(id, id, Layer.Cpu, "test source") { Options = options, Implicit = Implicit };

    public SourceAvailability Probe()
    {
        Probes++;
        return ProbeFailure is null ? SourceAvailability.Yes("test") : throw new UnavailableException("probe", ProbeFailure);
    }

    public void Validate(OptionValues values) => CrossCheck?.Invoke(values);

    public ISource Create(SourceContext context)
    {
        var source = new FakeSource(Descriptor, context, FailOnStart);
        Created.Add(source);
        return source;
    }
}

internal sealed class FakeSource : ISource
{
    private readonly SourceContext _context;
    private readonly bool _failOnStart;
    private readonly IDisposable _subscription;

    public FakeSource(SourceDescriptor descriptor, SourceContext context, bool failOnStart)
    {
        Descriptor = descriptor;
        _context = context;
        _failOnStart = failOnStart;
        Filter = context.Filter.Current;
        _subscription = context.Filter.Subscribe(f => Filter = f);
    }

    public SourceDescriptor Descriptor { get; }

    public SourceContext Context => _context;

    public bool Started { get; private set; }

    public bool Paused { get; private set; }

    public bool Disposed { get; private set; }

    public ProcessFilter Filter { get; private set; }

    public IReadOnlyList<string> Mechanisms => ["test"];

    public IReadOnlyList<SourceCounter> Counters => [new("values", 10, CounterKind.Events, "values published"), new("lost.values", 1, CounterKind.Lost, "values lost")];

    public void Start()
    {
        if (_failOnStart)
        {
            throw new UnavailableException("attach", $"source {Descriptor.Id}: cannot attach");
        }

        Started = true;
    }

    public void Pause() => Paused = true;

    public void Resume() => Paused = false;

    public void Dispose()
    {
        Disposed = true;
        _subscription.Dispose();
    }

    /// <summary>Publishes values stamped [start, end] (CLOCK_MONOTONIC ns).</summary>
    public void Publish(long startNs, long endNs, params int[] values)
    {
        var events = values.Select(v => new Event<TestPayload>(new EventHeader(TestPayload.Kind, startNs, 1, 1) { DurationNs = endNs - startNs }, new TestPayload(v))).ToArray();
        _context.Sink.Publish(new EventBatch<TestPayload>(events));
    }

    public void Advance(long ns) => _context.Sink.Advance(ns);

    public void PublishLifecycle(int pid, ProcessChange change) =>
        _context.Sink.Publish(new EventBatch<ProcessLifecycle>([new(new EventHeader(ProcessLifecycle.KindOf(change), MonotonicClock.NowNs(), pid, pid), new ProcessLifecycle(change, "p"))]));
}

/// <summary>Records what the loop delivered, in order, and on which thread; can be told to fail.</summary>
internal sealed class RecordingAnalysis : IAnalysis, IEventSink<TestPayload>
{
    private readonly Lock _gate = new();
    private readonly List<int> _values = [];

    public IReadOnlyList<IModel> Models => [];

    public IReadOnlyList<int> Values
    {
        get
        {
            lock (_gate)
            {
                return [.. _values];
            }
        }
    }

    public List<ProcessFilter> Filters { get; } = [];

    public HashSet<int> Threads { get; } = [];

    public int Resets { get; private set; }

    public bool Fail { get; set; }

    public void OnEvents(ReadOnlySpan<Event<TestPayload>> events)
    {
        Threads.Add(Environment.CurrentManagedThreadId);
        if (Fail)
        {
            throw new InvalidOperationException("analysis failed on purpose");
        }

        lock (_gate)
        {
            foreach (ref readonly var e in events)
            {
                _values.Add(e.Payload.Value);
            }
        }
    }

    public void Reset()
    {
        Threads.Add(Environment.CurrentManagedThreadId);
        Resets++;
    }

    public void OnFilterChanged(ProcessFilter filter)
    {
        Threads.Add(Environment.CurrentManagedThreadId);
        Filters.Add(filter);
    }
}

internal sealed class RecordingAnalysisProvider : IAnalysisProvider
{
    public List<RecordingAnalysis> Created { get; } = [];

    public bool AppliesTo(IReadOnlySet<string> sources) => true;

    public IAnalysis Create(AnalysisContext context)
    {
        var analysis = new RecordingAnalysis();
        context.Bus.Subscribe(analysis);
        Created.Add(analysis);
        return analysis;
    }
}

internal sealed class ExistingPids(params int[] pids) : IProcessProbe
{
    public bool Exists(int pid) => pids.Contains(pid);

    public CgroupRef? ResolveCgroup(string path) => path == "/test.slice" ? new CgroupRef(77, 1) : null;
}

internal sealed class RecordingParticipant : ISessionParticipant
{
    public List<string> Joined { get; } = [];

    public List<string> Left { get; } = [];

    public void Join(Session session) => Joined.Add(session.Id);

    public void Leave(Session session) => Left.Add(session.Id);
}

internal static class Wait
{
    /// <summary>Polls until <paramref name="condition"/> holds; fails after <paramref name="seconds"/>.</summary>
    public static void Until(Func<bool> condition, string what, double seconds = 10)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out after {seconds} s waiting for {what}");
            }

            Thread.Sleep(20);
        }
    }
}
