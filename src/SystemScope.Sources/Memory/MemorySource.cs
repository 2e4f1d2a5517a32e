using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SystemScope.Bpf;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Memory;
using SystemScope.Core.Sources;
using SystemScope.Sources.Kit;
using SystemScope.Sources.Process;
using SystemScope.Sources.Processes;

namespace SystemScope.Sources.Memory;

/// <summary>
/// Memory for one session, on the BPF kit. Start loads <c>memory.bpf.o</c> with the session's shared
/// maps, attaches its fault programs to a minor-fault and a major-fault perf event per CPU, and the
/// reclaim, compaction (where the kernel has it) and OOM tracepoints. Once per window the loop flips
/// the double buffer and publishes the quiet slot's faults by stack (<see cref="PageFaultSample"/>),
/// samples /proc for the observed processes' memory (<see cref="ProcessMemory"/>), PSI of the system
/// and of cgroups (<see cref="MemoryPressure"/>) and the stall totals (<see cref="MemoryStalls"/>). A ring
/// reader publishes major faults, stalls and OOM kills as spans and <see cref="OomKill"/>s.
/// </summary>
internal sealed class MemorySource(SourceContext context) : KitSource
{
    public const string FaultMechanism = "perf_event page-faults (minor, major)";

    private const string ProcRoot = "/proc";
    private const int MaxProcessesPerWindow = 256;
    private static readonly TimeSpan FirstWindow = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(2);

    private readonly HashMapDrainer<FaultKey, ulong> _faultsDrainer = new(1024);
    private readonly HashMapDrainer<ulong, StackRecord> _stacksDrainer = new(128);
    private readonly List<(FaultKey Key, long Count)> _faults = [];
    private readonly Dictionary<ulong, ReadOnlyMemory<ulong>> _stacks = [];
    private readonly Dictionary<string, PsiLine[]> _lastPressure = [];
    private readonly long[] _lastStallNs = new long[(int)StallKind.Max];
    private readonly long[] _lastStallCount = new long[(int)StallKind.Max];
    private Dictionary<ulong, ReadOnlyMemory<ulong>> _reserved = [];
    private Dictionary<ulong, ReadOnlyMemory<ulong>> _reservedBefore = [];
    private DoubleBuffer? _slots;
    private SinkLanes? _lanes;
    private ProcessNames? _names;
    private ProcessChannel? _channel;
    private SpanDecoder? _spans;
    private OomDecoder? _ooms;
    private (string MountPoint, string Root)? _cgroup2;
    private bool _systemPressure;
    private bool _compaction;
    private long _minor;
    private long _major;
    private long _missingStacks;
    private long _sampled;

    public override SourceDescriptor Descriptor => MemorySourceProvider.SourceDescriptor;

    protected override string ObjectName => MemorySchema.Object.Name;

    protected override IEnumerable<SourceCounter> OwnCounters() =>
    [
        new("faults.minor", Interlocked.Read(ref _minor), CounterKind.Events, "minor page faults counted in the kernel and collected"),
        new("faults.major", Interlocked.Read(ref _major), CounterKind.Events, "major page faults counted in the kernel and collected"),
        new("spans", _spans?.Published ?? 0, CounterKind.Events, "major faults and stalls sent to the timeline"),
        new("ooms", _ooms?.Published ?? 0, CounterKind.Events, "OOM kills reported"),
        new("processes.sampled", Interlocked.Read(ref _sampled), CounterKind.Info, "process memory readings from /proc published"),
        new("stacks.missing", Interlocked.Read(ref _missingStacks), CounterKind.Lost, "fault counts whose stack was not in the drained slot"),
    ];

    protected override void StartLocked()
    {
        var options = context.Options;
        Shared = SharedKernelMaps.For(context);
        KernelObject = KitObject.Load(MemorySchema.Object, Shared, setup =>
        {
            setup.Set(MemorySchema.StreamMajor, options.Get(MemorySourceProvider.MajorSpans));
            setup.Set(MemorySchema.RecordCapPerCpu, (uint)options.Get(MemorySourceProvider.SpanCap));
        });
        _slots = new DoubleBuffer(KernelObject.Map(KitSchema.ActiveSlot), Settle);
        _names = ProcessNames.For(context);
        _channel = ProcessChannel.Of(context);
        _lanes = new SinkLanes(context.Sink, 2);
        _cgroup2 = CgroupFs.FindMount(Path.Combine(ProcRoot, "self", "mountinfo"));
        _systemPressure = File.Exists(Path.Combine(ProcRoot, "pressure", "memory"));
        _spans = new SpanDecoder(_names, ProcRoot);
        _ooms = new OomDecoder(_names, ProcRoot);
        Reader = new RingReader("systemscope memory events", _lanes[1], Poll);
        Reader.Add(KernelObject.Map(MemorySchema.Events), _spans);
        Reader.Add(KernelObject.Map(MemorySchema.Ooms), _ooms);
        ReadStalls(publishFrom: null);
        Loop = new WindowLoop("systemscope memory source", _lanes[0], context.Window, FirstWindow, Poll, CollectWindow, CollectFinal, Release);
        AttachLocked();
        var mechanisms = new List<string> { FaultMechanism };
        mechanisms.AddRange(KernelObject.Sections.Where(s => s != "perf_event" && !s.Contains("compaction", StringComparison.Ordinal)).Distinct());
        mechanisms.Add(_compaction ? "raw_tp/mm_compaction_begin" : "compaction: no tracepoint on this kernel");
        mechanisms.Add(_systemPressure ? "/proc/pressure/memory" : "PSI: /proc/pressure/memory is absent (kernel without CONFIG_PSI or psi=0)");
        mechanisms.Add("/proc/PID/stat");
        Mechanisms = mechanisms;
        Reader.Start();
        Loop.Start();
    }

    protected override bool AttachesItself(BpfProgram program) =>
        program.Name == MemorySchema.FaultMinor.Name || program.Name == MemorySchema.FaultMajor.Name
        || program.Name == MemorySchema.CompactionBegin.Name || program.Name == MemorySchema.CompactionEnd.Name;

    protected override IEnumerable<IDisposable> AttachOwn()
    {
        var attached = new List<IDisposable>();
        try
        {
            var period = (ulong)context.Options.Get(MemorySourceProvider.FaultPeriod);
            attached.Add(PerfEventSet.PageFaults(KernelObject!.Program(MemorySchema.FaultMinor), major: false, period));
            attached.Add(PerfEventSet.PageFaults(KernelObject.Program(MemorySchema.FaultMajor), major: true, period));
            _compaction = TryAttach(MemorySchema.CompactionBegin, MemorySchema.CompactionEnd, attached);
            return attached;
        }
        catch
        {
            foreach (var link in attached)
            {
                link.Dispose();
            }

            throw;
        }
    }

    /// <summary>Attaches a begin/end pair, or neither (the tracepoint is missing on kernels without it).</summary>
    private bool TryAttach(ProgramRef begin, ProgramRef end, List<IDisposable> attached)
    {
        BpfLink? first = null;
        try
        {
            first = KernelObject!.Program(begin).Attach();
            var second = KernelObject.Program(end).Attach();
            attached.Add(first);
            attached.Add(second);
            return true;
        }
        catch (BpfException)
        {
            first?.Dispose();
            return false;
        }
    }

    private long CollectWindow(long startNs)
    {
        var endNs = _slots!.DrainWindow(Drain);
        Publish(startNs, endNs);
        return endNs;
    }

    private long CollectFinal(long startNs)
    {
        var endNs = _slots!.DrainFinal(Drain);
        Publish(startNs, endNs);
        return endNs;
    }

    private void Drain(int slot, bool more)
    {
        if (!more)
        {
            _faults.Clear();
            _stacks.Clear();
            (_reservedBefore, _reserved) = (_reserved, _reservedBefore);
            _reserved.Clear();
        }

        // Counts first: a stack is stored before the count that refers to it.
        _faultsDrainer.Drain(KernelObject!.Map(MemorySchema.Faults(slot)), (in FaultKey key, in ulong count) => _faults.Add((key, (long)count)));
        _stacksDrainer.Drain(KernelObject.Map(MemorySchema.Stacks(slot)), (in ulong hash, in StackRecord stack) => _stacks[hash] = StackRecord.Frames(in stack).ToArray());
        _stacksDrainer.Drain(KernelObject.Map(KitSchema.StackReserve), (in ulong hash, in StackRecord stack) => _reserved[hash] = StackRecord.Frames(in stack).ToArray());
    }

    private void Publish(long startNs, long endNs)
    {
        // Processes first seen in this window were announced before their faults were counted.
        _channel?.Flush();
        var window = endNs - startNs;
        var faults = new Event<PageFaultSample>[_faults.Count];
        var faulted = new HashSet<int>();
        long minor = 0, major = 0;
        for (var i = 0; i < _faults.Count; i++)
        {
            var (key, count) = _faults[i];
            var tgid = (int)key.Tgid;
            var header = new EventHeader(PageFaultSample.Kind, startNs, tgid, (int)key.Tid) { DurationNs = window };
            faults[i] = new Event<PageFaultSample>(header, new PageFaultSample(Stack(key.UserStack), Stack(key.KernelStack), count, key.Major != 0, _names!.NameOf(tgid)));
            faulted.Add(tgid);
            if (key.Major != 0)
            {
                major += count;
            }
            else
            {
                minor += count;
            }
        }

        Interlocked.Add(ref _minor, minor);
        Interlocked.Add(ref _major, major);
        var processes = SampleProcesses(endNs, faulted);
        Refresh();
        var sink = context.Sink;
        sink.Publish(new EventBatch<PageFaultSample>(faults));
        sink.Publish(new EventBatch<ProcessMemory>(processes));
        sink.Publish(new EventBatch<MemoryPressure>(SamplePressure(startNs, endNs, processes)));
        sink.Publish(new EventBatch<MemoryStalls>(ReadStalls((startNs, endNs))));
        _lanes![0].Advance(endNs);
    }

    private ReadOnlyMemory<ulong> Stack(ulong hash)
    {
        if (hash == 0)
        {
            return ReadOnlyMemory<ulong>.Empty;
        }

        if (_stacks.TryGetValue(hash, out var frames) || _reserved.TryGetValue(hash, out frames) || _reservedBefore.TryGetValue(hash, out frames))
        {
            return frames;
        }

        Interlocked.Increment(ref _missingStacks);
        return ReadOnlyMemory<ulong>.Empty;
    }

    /// <summary>
    /// The observed processes' memory now: the largest by resident set (option topProcesses) and those
    /// that faulted in the window, stamped at the window's end (a reading is an instant).
    /// </summary>
    private Event<ProcessMemory>[] SampleProcesses(long endNs, HashSet<int> faulted)
    {
        var filter = new UserSpaceFilter(context.Filter.Current, context.AgentPid, context.IncludeAgent, ProcRoot);
        var top = (int)context.Options.Get(MemorySourceProvider.TopProcesses);
        var readings = filter.Candidates()
            .Select(pid => ProcMemory.TryReadStat(ProcRoot, pid, out var stat) ? stat : (ProcStat?)null)
            .OfType<ProcStat>()
            .Where(s => s.RssBytes > 0 && filter.Matches(s))
            .ToList();
        var chosen = readings.OrderByDescending(s => s.RssBytes).Take(top)
            .Concat(readings.Where(s => faulted.Contains(s.Pid)))
            .DistinctBy(s => s.Pid)
            .Take(MaxProcessesPerWindow)
            .ToList();
        var events = new Event<ProcessMemory>[chosen.Count];
        for (var i = 0; i < chosen.Count; i++)
        {
            var s = chosen[i];
            var header = new EventHeader(ProcessMemory.Kind, endNs, s.Pid, s.Pid);
            // The name from stat (its comm): asking the session's name table would add every process of the machine to it.
            events[i] = new Event<ProcessMemory>(header, new ProcessMemory(s.Name, s.RssBytes, ProcMemory.AnonBytes(ProcRoot, s.Pid), s.VirtualBytes, s.MinorFaults, s.MajorFaults));
        }

        Interlocked.Add(ref _sampled, events.Length);
        return events;
    }

    /// <summary>PSI of the system and of the observed cgroups (the filter's, else those of the largest processes).</summary>
    private Event<MemoryPressure>[] SamplePressure(long startNs, long endNs, Event<ProcessMemory>[] processes)
    {
        var scopes = new List<(string Scope, string File)>();
        if (_systemPressure)
        {
            scopes.Add(("system", Path.Combine(ProcRoot, "pressure", "memory")));
        }

        var limit = (int)context.Options.Get(MemorySourceProvider.PressureCgroups);
        if (_cgroup2 is { } mount && limit > 0)
        {
            var cgroups = context.Filter.Current.Cgroup is { } filtered
                ? [filtered]
                : processes.Select(p => ProcMemory.CgroupPath(ProcRoot, p.Header.Pid)).OfType<string>().Where(c => c != "/").Distinct().Take(limit).ToList();
            foreach (var cgroup in cgroups)
            {
                var below = mount.Root != "/" && cgroup.StartsWith(mount.Root, StringComparison.Ordinal) ? cgroup[mount.Root.Length..] : cgroup;
                scopes.Add((cgroup, mount.MountPoint + below.TrimEnd('/') + "/memory.pressure"));
            }
        }

        var events = new List<Event<MemoryPressure>>();
        var seen = new HashSet<string>();
        foreach (var (scope, file) in scopes)
        {
            if (!ProcMemory.TryRead(file, out var text) || !ProcMemory.TryParsePressure(text, out var some, out var full))
            {
                continue;
            }

            seen.Add(scope);
            var first = !_lastPressure.TryGetValue(scope, out var last);
            _lastPressure[scope] = [some, full];
            var header = new EventHeader(MemoryPressure.Kind, startNs, 0, 0) { DurationNs = endNs - startNs };
            events.Add(new Event<MemoryPressure>(header, new MemoryPressure(
                scope, some.Avg10, full.Avg10, first ? 0 : Math.Max(0, some.TotalUs - last![0].TotalUs), first ? 0 : Math.Max(0, full.TotalUs - last![1].TotalUs))));
        }

        // Cgroups no longer observed: forget their totals, so the table of totals stays bounded.
        foreach (var gone in _lastPressure.Keys.Where(k => !seen.Contains(k)).ToList())
        {
            _lastPressure.Remove(gone);
        }

        return [.. events];
    }

    /// <summary>The stall totals' growth since the last reading (null: only take the baseline).</summary>
    private Event<MemoryStalls>[] ReadStalls((long Start, long End)? publishFrom)
    {
        var map = KernelObject!.Map(MemorySchema.StallTotals);
        var buffer = new byte[map.ValueBufferSize];
        var events = new List<Event<MemoryStalls>>();
        for (uint kind = 0; kind < (uint)StallKind.Max; kind++)
        {
            long count = 0, ns = 0;
            if (map.TryLookup(MemoryMarshal.AsBytes(new ReadOnlySpan<uint>(in kind)), buffer))
            {
                for (var offset = 0; offset + Unsafe.SizeOf<StallTotal>() <= buffer.Length; offset += map.PerCpuStride)
                {
                    var total = MemoryMarshal.Read<StallTotal>(buffer.AsSpan(offset));
                    count += (long)total.Count;
                    ns += (long)total.TotalNs;
                }
            }

            var (countDelta, nsDelta) = (count - _lastStallCount[kind], ns - _lastStallNs[kind]);
            (_lastStallCount[kind], _lastStallNs[kind]) = (count, ns);
            if (publishFrom is { } range && (kind != (uint)StallKind.Compaction || _compaction))
            {
                var header = new EventHeader(MemoryStalls.Kind, range.Start, 0, 0) { DurationNs = range.End - range.Start };
                var stall = (StallKind)kind switch
                {
                    StallKind.DirectReclaim => MemoryStallKind.DirectReclaim,
                    StallKind.MemcgReclaim => MemoryStallKind.CgroupReclaim,
                    _ => MemoryStallKind.Compaction,
                };
                events.Add(new Event<MemoryStalls>(header, new MemoryStalls(stall, countDelta, nsDelta)));
            }
        }

        return [.. events];
    }

    /// <summary>
    /// The session's filter applied to /proc, for what the kernel does not see (processes that fault
    /// nothing still have memory): pids directly, names by prefix, cgroups by path.
    /// </summary>
    private sealed class UserSpaceFilter(Core.Sessions.ProcessFilter filter, int agentPid, bool includeAgent, string procRoot)
    {
        public IEnumerable<int> Candidates()
        {
            if (filter.Pids.Count > 0)
            {
                return filter.Pids.Where(p => includeAgent || p != agentPid);
            }

            return EnumeratePids().Where(p => includeAgent || p != agentPid);
        }

        public bool Matches(ProcStat stat)
        {
            if (filter.Comm is { } prefix && !stat.Name.StartsWith(prefix, StringComparison.Ordinal))
            {
                return false;
            }

            if (filter.Cgroup is { } cgroup)
            {
                var path = ProcMemory.CgroupPath(procRoot, stat.Pid);
                return path is not null && (path == cgroup || path.StartsWith(cgroup.TrimEnd('/') + "/", StringComparison.Ordinal));
            }

            return true;
        }

        private IEnumerable<int> EnumeratePids()
        {
            IEnumerable<string> directories;
            try
            {
                directories = Directory.EnumerateDirectories(procRoot).ToList();
            }
            catch (IOException)
            {
                yield break;
            }

            foreach (var directory in directories)
            {
                if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                {
                    yield return pid;
                }
            }
        }
    }
}
