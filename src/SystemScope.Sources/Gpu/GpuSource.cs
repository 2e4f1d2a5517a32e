using System.Diagnostics;
using SystemScope.Bpf;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Gpu;
using SystemScope.Core.Sources;
using SystemScope.Sources.Gpu.Catalogue;
using SystemScope.Sources.Kit;
using SystemScope.Sources.Process;

namespace SystemScope.Sources.Gpu;

/// <summary>
/// Accelerator API calls for one session, on the BPF kit. Start loads <c>gpu.bpf.o</c> with the session's
/// shared maps, fills its per-function table from the catalogue, and attaches uprobe/uretprobe pairs to the
/// accelerator libraries the session's processes map. Every window the loop looks at the mappings again,
/// so a library loaded later (dlopen) is traced from then on; each library file is attached once, for all
/// processes. A ring reader publishes every call as <see cref="GpuApiCall"/> and the timeline's spans; the
/// loop publishes what it found per process as <see cref="GpuLibraryStatus"/>.
/// </summary>
internal sealed class GpuSource(SourceContext context) : KitSource
{
    private static readonly TimeSpan FirstWindow = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);

    private readonly GpuCatalogue _catalogue = GpuCatalogue.Default;
    private readonly HashSet<(int Pid, string Device, ulong Inode)> _reported = [];
    private readonly HashSet<int> _reportedWithout = [];
    private readonly List<Event<GpuLibraryStatus>> _statuses = [];
    private LibraryScanner? _scanner;
    private ProbeSet? _probes;
    private SinkLanes? _lanes;
    private GpuCallDecoder? _decoder;
    private ProcessNames? _names;
    private long _scans;
    private long _scanTicks;

    public override SourceDescriptor Descriptor => GpuSourceProvider.SourceDescriptor;

    protected override string ObjectName => GpuSchema.Object.Name;

    protected override IEnumerable<SourceCounter> OwnCounters()
    {
        var libraries = _probes?.Libraries ?? [];
        var scans = Interlocked.Read(ref _scans);
        return
        [
            new("calls", _decoder?.Published ?? 0, CounterKind.Events, "API calls traced and published"),
            new("timeline.spans", _decoder?.SpansPublished ?? 0, CounterKind.Events, "synchronisations and slow calls sent to the timeline"),
            new("libraries", libraries.Count, CounterKind.Info, "accelerator library files with probes"),
            new("probes", libraries.Sum(l => l.Functions), CounterKind.Info, "functions traced (a uprobe and a uretprobe each)"),
            new("probes.missing", libraries.Sum(l => l.Missing.Count), CounterKind.Info, "catalogued functions a mapped library does not export (named in gpu.libraries)"),
            new("probes.failed", libraries.Sum(l => l.Failed.Count), CounterKind.Lost, "functions whose probes did not attach (named in gpu.libraries)"),
            new("scan.us", scans == 0 ? 0 : (long)(Interlocked.Read(ref _scanTicks) * 1e6 / Stopwatch.Frequency / scans), CounterKind.Info, "mean time of one look for libraries in the processes' mappings, µs"),
            new("records.unknown", _decoder?.Unknown ?? 0, CounterKind.Lost, "records naming no catalogued function"),
        ];
    }

    protected override void StartLocked()
    {
        var options = context.Options;
        Shared = SharedKernelMaps.For(context);
        KernelObject = KitObject.Load(GpuSchema.Object, Shared, setup =>
        {
            setup.Set(GpuSchema.CaptureStacks, options.Get(GpuSourceProvider.Stacks));
            StackOptions.Apply(setup, options, GpuSchema.Frames);
        });
        var functions = KernelObject.Map(GpuSchema.Functions);
        for (var i = 0; i < _catalogue.Count; i++)
        {
            functions.Update((uint)i, GpuCatalogue.ProbeSpec(_catalogue[i].Function));
        }

        _names = ProcessNames.For(context);
        _scanner = new LibraryScanner(_catalogue, context.AgentPid);
        _lanes = new SinkLanes(context.Sink, 2);
        _decoder = new GpuCallDecoder(_catalogue, new KernelNames(), _names, ProcessChannel.Of(context), options.Get(GpuSourceProvider.SlowUs) * 1000);
        Reader = new RingReader("systemscope gpu calls", _lanes[1], Poll);
        Reader.Add(KernelObject.Map(GpuSchema.Calls), _decoder);
        Loop = new WindowLoop("systemscope gpu source", _lanes[0], context.Window, FirstWindow, Poll, Collect, Collect, Release);
        AttachLocked();
        Mechanisms =
        [
            "uprobe/uretprobe on " + _catalogue.Patterns,
            StackOptions.Mechanism(options, Shared),
        ];
        Reader.Start();
        Loop.Start();
    }

    protected override bool AttachesItself(BpfProgram program) => true;

    /// <summary>A fresh set of probes, on every library the processes map now; later ones are added by the window loop.</summary>
    protected override IEnumerable<IDisposable> AttachOwn()
    {
        _probes = new ProbeSet(KernelObject!, _catalogue);
        ScanLocked();
        return [_probes];
    }

    private long Collect(long startNs)
    {
        lock (Gate)
        {
            if (_probes is { Disposed: false })
            {
                ScanLocked();
            }
        }

        var endNs = MonotonicClock.NowNs();
        Refresh();
        Event<GpuLibraryStatus>[] statuses;
        lock (Gate)
        {
            statuses = [.. _statuses];
            _statuses.Clear();
        }

        if (statuses.Length > 0)
        {
            _lanes![0].Publish(new EventBatch<GpuLibraryStatus>(statuses));
        }

        _lanes![0].Advance(endNs);
        return endNs;
    }

    /// <summary>Attaches to libraries not seen before and notes what each process maps; under the gate.</summary>
    private void ScanLocked()
    {
        var started = Stopwatch.GetTimestamp();
        var (libraries, without) = _scanner!.Scan(context.Filter.Current);
        foreach (var file in libraries.GroupBy(l => l.File))
        {
            var mappings = file.ToList();
            var attached = _probes!.Of(file.Key);
            if (attached is null)
            {
                var tried = _probes.Attach(mappings);
                if (tried.Error is not null)
                {
                    continue; // not attached (every process gone, unreadable): the next scan tries again
                }

                attached = tried;
            }

            foreach (var mapping in mappings.Where(m => _reported.Add((m.Pid, m.Device, m.Inode))))
            {
                _statuses.Add(Status(mapping, attached));
            }
        }

        foreach (var pid in without.Where(_reportedWithout.Add))
        {
            var note = $"no accelerator library mapped (looked for {_catalogue.Patterns}); the source attaches when one is loaded";
            _statuses.Add(new Event<GpuLibraryStatus>(
                new EventHeader(GpuLibraryStatus.Kind, MonotonicClock.NowNs(), pid, pid),
                new GpuLibraryStatus(string.Empty, string.Empty, 0, [], note) { ProcessName = _names!.NameOf(pid) }));
        }

        Interlocked.Increment(ref _scans);
        Interlocked.Add(ref _scanTicks, Stopwatch.GetTimestamp() - started);
    }

    private Event<GpuLibraryStatus> Status(MappedLibrary mapping, AttachedLibrary attached)
    {
        var notes = new List<string>();
        if (mapping.Deleted)
        {
            notes.Add("replaced or deleted on disk: the mapped file is traced");
        }

        if (attached.Failed.Count > 0)
        {
            notes.Add("probes failed: " + string.Join(", ", attached.Failed));
        }

        var header = new EventHeader(GpuLibraryStatus.Kind, MonotonicClock.NowNs(), mapping.Pid, mapping.Pid);
        return new Event<GpuLibraryStatus>(header, new GpuLibraryStatus(mapping.Path, mapping.Vendor.Id, attached.Functions, attached.Missing, string.Join("; ", notes))
        {
            ProcessName = _names!.NameOf(mapping.Pid),
        });
    }
}
