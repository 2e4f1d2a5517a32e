using SystemScope.Core.Events;
using SystemScope.Core.Events.Activity;
using SystemScope.Core.Events.Dotnet;
using SystemScope.Sources.Dotnet.Nettrace;

namespace SystemScope.Sources.Dotnet;

/// <summary>
/// Decodes the runtime events the dotnet source uses from one process's nettrace stream into typed
/// events: Microsoft-Windows-DotNETRuntime events by id and version (the runtime does not describe
/// their fields), and System.Runtime counters by their self-described fields. Payloads longer than a
/// known version are read up to what is known; shorter ones are counted as malformed and skipped.
/// </summary>
internal sealed class RuntimeEventDecoder : INettraceHandler
{
    public const string RuntimeProvider = "Microsoft-Windows-DotNETRuntime";

    private const int GcStart = 1, GcEnd = 2, GcRestartEeEnd = 3, GcHeapStats = 4, GcSuspendEeBegin = 9, GcAllocationTick = 10;
    private const int GcPerHeapHistory = 204;
    private const int ThreadPoolWorkerStart = 50, ThreadPoolWorkerStop = 51, ThreadPoolAdjustment = 55, ThreadPoolWorkerWait = 57;
    private const int ExceptionThrown = 80, ContentionStart = 81, ContentionStop = 91;
    private const int MethodLoadVerbose = 143, MethodJittingStarted = 145;
    private const int MaxManagedThreads = 256;

    private static readonly string[] AdjustmentReasons =
        ["warmup", "initializing", "random_move", "climbing_move", "change_point", "stabilizing", "starvation", "thread_timed_out", "cooperative_blocking"];

    private static readonly string[] Tiers =
        ["unknown", "minopts", "optimized", "tier0", "tier1", "ready_to_run", "prejit", "tier0-instrumented", "tier1-instrumented", "tier1-osr"];

    private readonly int _pid;
    private readonly bool _messages;
    private readonly GcAssembler _gc;
    private readonly CounterDecoder _counters;
    private readonly Dictionary<long, long> _jitStarts = [];
    private readonly Dictionary<long, (long StartNs, ulong LockId, long Owner, ulong[] Stack)> _waits = [];
    private readonly HashSet<long> _managedThreads = [];

    /// <param name="pid">The process as the agent sees it (the stream says its own, namespaced, pid).</param>
    /// <param name="messages">Carry exception messages (they may hold user data).</param>
    public RuntimeEventDecoder(int pid, bool messages)
    {
        _pid = pid;
        _messages = messages;
        _gc = new GcAssembler(pid, Output, () => _managedThreads);
        _counters = new CounterDecoder(pid, Output);
    }

    public RuntimeEvents Output { get; private set; } = new();

    public long Malformed { get; private set; }

    public long LastProgressNs { get; private set; }

    /// <summary>Hands over what was decoded so far and starts a new collection.</summary>
    public RuntimeEvents Take()
    {
        var taken = Output;
        Output = new RuntimeEvents();
        _gc.Retarget(Output);
        _counters.Retarget(Output);
        return taken;
    }

    public void Finish() => _gc.Flush();

    public void OnProgress(long timestampNs) => LastProgressNs = Math.Max(LastProgressNs, timestampNs);

    public void OnEvent(in NettraceEvent e)
    {
        try
        {
            if (e.Metadata.Provider == RuntimeProvider)
            {
                OnRuntimeEvent(e);
            }
            else if (e.Metadata.Name == CounterDecoder.EventName)
            {
                _counters.Decode(e);
            }
        }
        catch (NettraceFormatException)
        {
            Malformed++;
        }
    }

    private void OnRuntimeEvent(in NettraceEvent e)
    {
        var reader = new PayloadReader(e.Payload);
        var p = e.PointerSize;
        var t = e.TimestampNs;
        switch (e.Metadata.EventId)
        {
            case GcSuspendEeBegin:
                _gc.SuspendBegin(t, e.ThreadId);
                break;
            case GcStart:
                {
                    var count = reader.U32();
                    var depth = reader.U32();
                    var reason = reader.U32();
                    var type = e.Metadata.Version >= 1 ? reader.U32() : 0;
                    _gc.Start(t, e.ThreadId, count, (int)depth, reason, type);
                    break;
                }

            case GcEnd:
                _gc.End(t, reader.U32());
                break;
            case GcRestartEeEnd:
                _gc.RestartEnd(t);
                break;
            case GcHeapStats:
                DecodeHeapStats(ref reader, e.Metadata.Version);
                break;
            case GcPerHeapHistory when e.Metadata.Version >= 3:
                DecodePerHeapHistory(ref reader, p);
                break;
            case GcAllocationTick when e.Metadata.Version >= 2:
                {
                    var amount = reader.U32();
                    var kind = reader.U32();
                    reader.U16();
                    var amount64 = reader.U64();
                    reader.Pointer(p);
                    var type = reader.Utf16();
                    Seen(e.ThreadId);
                    var allocation = new DotnetAllocation(type.Length == 0 ? "[unknown type]" : type, (long)Math.Max(amount, amount64), kind == 1, e.Stack.ToArray());
                    Output.Allocations.Add(new(Header(DotnetAllocation.Kind, e), allocation));
                    break;
                }

            case MethodJittingStarted:
                _jitStarts[e.ThreadId] = t;
                break;
            case MethodLoadVerbose:
                DecodeMethodLoad(ref reader, e);
                break;
            case ContentionStart:
                {
                    reader.U8();
                    reader.U16();
                    ulong lockId = 0;
                    long owner = 0;
                    if (e.Metadata.Version >= 2)
                    {
                        lockId = reader.Pointer(p);
                        reader.Pointer(p);
                        owner = (long)reader.U64();
                    }

                    Seen(e.ThreadId);
                    _waits[e.ThreadId] = (t, lockId, owner, e.Stack.ToArray());
                    break;
                }

            case ContentionStop:
                DecodeContentionStop(ref reader, e);
                break;
            case ExceptionThrown when e.Metadata.Version >= 1:
                {
                    var type = reader.Utf16();
                    var message = reader.Utf16();
                    Seen(e.ThreadId);
                    var exception = new DotnetException(type, _messages ? message : string.Empty, e.Stack.ToArray());
                    Output.Exceptions.Add(new(Header(DotnetException.Kind, e), exception));
                    var span = new ActivitySpan("exception", type, _messages ? message : string.Empty, string.Empty, exception.Stack, ReadOnlyMemory<ulong>.Empty);
                    Output.Spans.Add(new(Header(DotnetSpans.Kind, e), span));
                    break;
                }

            case ThreadPoolAdjustment:
                {
                    var throughput = reader.F64();
                    var workers = reader.U32();
                    var reason = reader.U32();
                    var name = reason < AdjustmentReasons.Length ? AdjustmentReasons[reason] : $"reason {reason}";
                    Output.ThreadPool.Add(new(Header(DotnetThreadPool.Kind, e), new DotnetThreadPool((int)workers, name, throughput)));
                    break;
                }

            case ThreadPoolWorkerStart or ThreadPoolWorkerStop or ThreadPoolWorkerWait:
                {
                    var active = reader.U32();
                    var what = e.Metadata.EventId switch { ThreadPoolWorkerStart => "started", ThreadPoolWorkerStop => "stopped", _ => "waiting" };
                    Output.ThreadPool.Add(new(Header(DotnetThreadPool.Kind, e), new DotnetThreadPool((int)active, what, 0)));
                    break;
                }
        }
    }

    private void DecodeHeapStats(ref PayloadReader reader, int version)
    {
        var sizes = new long[5];
        var promoted = new long[5];
        for (var generation = 0; generation < 4; generation++)
        {
            sizes[generation] = (long)reader.U64();
            promoted[generation] = (long)reader.U64();
        }

        // Finalization promoted size and count, pinned, sync block and handle counts, ClrInstanceID.
        reader.Skip(8 + 8 + 4 + 4 + 4 + 2);
        if (version >= 2 && reader.Remaining >= 16)
        {
            sizes[4] = (long)reader.U64();
            promoted[4] = (long)reader.U64();
        }

        _gc.HeapStats(sizes, promoted);
    }

    private void DecodePerHeapHistory(ref PayloadReader reader, int p)
    {
        reader.U16();
        reader.Skip(6 * p); // free list, end of segment, condemned and pinned allocation counts
        reader.Skip(6 * 4); // free list efficiency, condemn reasons, mechanisms, heap index
        reader.Pointer(p);  // extra gen0 commit
        var count = (int)reader.U32();
        Span<long> before = stackalloc long[5];
        Span<long> free = stackalloc long[5];
        for (var generation = 0; generation < Math.Min(count, 5); generation++)
        {
            before[generation] = (long)reader.Pointer(p);
            reader.Pointer(p);
            reader.Pointer(p);
            reader.Pointer(p); // size after (GCHeapStats gives it for all heaps at once)
            free[generation] = (long)reader.Pointer(p) + (long)reader.Pointer(p);
            reader.Skip(4 * p);
        }

        _gc.PerHeapHistory(before, free);
    }

    private void DecodeMethodLoad(ref PayloadReader reader, in NettraceEvent e)
    {
        reader.U64(); // method id
        reader.U64(); // module id
        var start = reader.U64();
        var size = reader.U32();
        reader.U32(); // token
        var flags = reader.U32();
        var ns = reader.Utf16();
        var name = reader.Utf16();

        // Only jitted code: precompiled methods loaded here have no compile time.
        if ((flags & 0x8) == 0)
        {
            return;
        }

        var tierIndex = (flags >> 7) & 0xF;
        var tier = tierIndex < Tiers.Length ? Tiers[tierIndex] : $"tier {tierIndex}";
        var header = Header(DotnetJit.Kind, e);
        if (_jitStarts.Remove(e.ThreadId, out var startedNs) && startedNs <= e.TimestampNs)
        {
            header = header with { TimestampNs = startedNs, DurationNs = e.TimestampNs - startedNs };
        }

        Seen(e.ThreadId);
        Output.Jits.Add(new(header, new DotnetJit(ns.Length == 0 ? name : $"{ns}::{name}", tier, start, (int)size)));
    }

    private void DecodeContentionStop(ref PayloadReader reader, in NettraceEvent e)
    {
        reader.U8();
        reader.U16();
        var durationNs = e.Metadata.Version >= 1 && reader.Remaining >= 8 ? (long)reader.F64() : -1;
        if (!_waits.Remove(e.ThreadId, out var wait))
        {
            return;
        }

        if (durationNs < 0)
        {
            durationNs = e.TimestampNs - wait.StartNs;
        }

        // The wait ended at the stop event: its start is the stop minus what the runtime measured.
        var header = new EventHeader(DotnetContention.Kind, e.TimestampNs - durationNs, _pid, (int)e.ThreadId) { DurationNs = durationNs };
        Output.Contentions.Add(new(header, new DotnetContention(wait.LockId, wait.Owner, wait.Stack)));
        var detail = wait.Owner != 0 ? $"lock 0x{wait.LockId:x} held by tid {wait.Owner}" : wait.LockId != 0 ? $"lock 0x{wait.LockId:x}" : string.Empty;
        var span = new ActivitySpan("lock", "lock wait", detail, string.Empty, wait.Stack, ReadOnlyMemory<ulong>.Empty);
        Output.Spans.Add(new(header with { Kind = DotnetSpans.Kind }, span));
    }

    private EventHeader Header(EventKind kind, in NettraceEvent e) => new(kind, e.TimestampNs, _pid, (int)e.ThreadId);

    private void Seen(long thread)
    {
        if (_managedThreads.Count < MaxManagedThreads)
        {
            _managedThreads.Add(thread);
        }
    }
}
