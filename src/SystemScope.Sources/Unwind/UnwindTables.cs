using System.Runtime.InteropServices;
using SystemScope.Bpf;
using SystemScope.Core.Sources;
using SystemScope.Sources.Kit;
using SystemScope.Symbols.Processes;

namespace SystemScope.Sources.Unwind;

/// <summary>What the unwinder has loaded so far, for the UI and the benchmarks.</summary>
internal sealed record UnwindStatistics(
    int Processes,
    int Files,
    long Rows,
    long TableBytes,
    long FilesBuilt,
    long FilesWithoutTable,
    long FilesEvicted,
    double BuildMilliseconds,
    long SectionBytes,
    long Requests,
    long MappingsOverLimit);

/// <summary>
/// The user-space half of kit/unwind.h, one for the whole agent: it owns the unwind maps, shared by
/// every object of every session (<see cref="ReuseIn"/>), and a worker thread that loads processes
/// when BPF asks (the first stack of a process, a return address in no known mapping), when a session
/// names them up front (<see cref="Preload"/>), and forgets processes that exited or whose pid was
/// reused. Everything here runs off the sampling path: until a process is loaded its stacks are
/// walked by frame pointers. Created with the first session that captures stacks, freed with the last.
/// </summary>
internal sealed class UnwindTables : IDisposable
{
    /// <summary>Table memory the agent allows itself before evicting the least recently used files.</summary>
    public const long DefaultBudgetBytes = 256L * 1024 * 1024;

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan MinReloadInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(2);
    private static readonly Lock Gate = new();
    private static UnwindTables? s_current;
    private static int s_users;

    private readonly KitObject _maps;
    private readonly FileTables _files;
    private readonly ProcessMappings _mappings;
    private readonly Dictionary<int, LoadedProcess> _processes = [];
    private readonly Queue<int> _preload = new();
    private readonly Lock _queueGate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _worker;
    private readonly string _procRoot;
    private UnwindStatistics _statistics = new(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    private long _requests;
    private long _errors;
    private string? _lastError;

    private UnwindTables(KitObject maps, string procRoot, long budgetBytes)
    {
        _maps = maps;
        _procRoot = procRoot;
        _files = new FileTables(maps.Map(UnwindSchema.Tables), budgetBytes);
        _mappings = new ProcessMappings(procRoot, _files);
        _worker = new Thread(Run) { IsBackground = true, Name = "unwind tables" };
        _worker.Start();
    }

    public UnwindStatistics Statistics => Volatile.Read(ref _statistics);

    /// <summary>What the unwinder holds for the whole agent, as counters a source shows with its own.</summary>
    public IEnumerable<SourceCounter> Report()
    {
        var s = Statistics;
        yield return new("unwind.processes", s.Processes, CounterKind.Info, "processes the agent unwinds with tables (all sessions)");
        yield return new("unwind.files", s.Files, CounterKind.Info, "files whose unwind table is in the kernel");
        yield return new("unwind.table_bytes", s.TableBytes, CounterKind.Info, "kernel memory of those tables");
        yield return new("unwind.build_ms", (long)s.BuildMilliseconds, CounterKind.Info, "time spent building them, in ms");
        yield return new("unwind.files_without_table", s.FilesWithoutTable, CounterKind.Info, "files walked by frame pointers: no CFI, a Go binary, unreadable");
        yield return new("unwind.files_evicted", s.FilesEvicted, CounterKind.Info, "tables dropped to stay within the memory budget");
        yield return new("unwind.mappings_over_limit", s.MappingsOverLimit, CounterKind.Info, "executable mappings beyond 256 per process, not described (their frames end the walk)");
        yield return new("unwind.errors", Interlocked.Read(ref _errors), CounterKind.Lost, "loads that failed (last: " + (Volatile.Read(ref _lastError) ?? "none") + ")");
    }

    /// <summary>The agent's unwinder, created on first use; every call needs one <see cref="Release"/>. Throws <see cref="BpfException"/> when the maps cannot be created.</summary>
    public static UnwindTables Acquire(string procRoot = "/proc")
    {
        lock (Gate)
        {
            s_current ??= new UnwindTables(KitObject.Load(UnwindSchema.Maps, shared: null), procRoot, DefaultBudgetBytes);
            s_users++;
            return s_current;
        }
    }

    /// <summary>Gives back what <see cref="Acquire"/> gave; the last user frees the maps and every table.</summary>
    public static void Release(UnwindTables tables)
    {
        lock (Gate)
        {
            if (tables != s_current || --s_users > 0)
            {
                return;
            }

            s_current = null;
        }

        tables.Dispose();
    }

    /// <summary>Makes <paramref name="obj"/> (not loaded yet) walk with these maps wherever it declares them.</summary>
    public void ReuseIn(BpfObject obj)
    {
        foreach (var map in UnwindSchema.Shared)
        {
            if (obj.MapNames.Contains(map.Name))
            {
                obj.ReuseMap(map.Name, _maps.Map(map));
            }
        }
    }

    /// <summary>Loads these processes now rather than at their first stack, so that even their first stacks use tables.</summary>
    public void Preload(IEnumerable<int> pids)
    {
        lock (_queueGate)
        {
            foreach (var pid in pids)
            {
                _preload.Enqueue(pid);
            }
        }
    }

    /// <summary>
    /// <see cref="Preload"/>, then waits (at most <paramref name="patience"/>) until those processes
    /// are loaded, so that a session's first stacks of them use tables too.
    /// </summary>
    public void PreloadAndWait(IReadOnlyList<int> pids, TimeSpan patience)
    {
        Preload(pids);
        var deadline = Environment.TickCount64 + (long)patience.TotalMilliseconds;
        while (pids.Any(pid => !IsLoaded(pid) && ProcessInfo.ReadStartTime(_procRoot, pid) != 0) && Environment.TickCount64 < deadline)
        {
            Thread.Sleep(10);
        }
    }

    /// <summary>Whether <paramref name="pid"/> is loaded (its stacks use tables).</summary>
    public bool IsLoaded(int pid)
    {
        var key = (uint)pid;
        return _maps.Map(UnwindSchema.Processes).TryLookup(key, out UnwindProcessRecord _);
    }

    public void Dispose()
    {
        _stop.Cancel();
        _worker.Join();
        _files.Dispose();
        _maps.Dispose();
        _stop.Dispose();
    }

    private void Run()
    {
        var nextSweep = Environment.TickCount64 + (long)SweepInterval.TotalMilliseconds;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var work = TakeWork();
                foreach (var pid in work)
                {
                    Load(pid);
                }

                var sweep = Environment.TickCount64 >= nextSweep;
                if (sweep)
                {
                    Sweep();
                    nextSweep = Environment.TickCount64 + (long)SweepInterval.TotalMilliseconds;
                }

                if (work.Count > 0 || sweep)
                {
                    Publish();
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A map operation failed (the kernel is short of memory) or a process's files could
                // not be read as expected: the affected stacks walk by frame pointers and the next
                // request tries again. The worker must outlive any one process's surprises.
                Interlocked.Increment(ref _errors);
                Volatile.Write(ref _lastError, ex.Message);
            }

            _stop.Token.WaitHandle.WaitOne(PollInterval);
        }
    }

    /// <summary>The preloads, then the processes BPF asked for (each request taken out of the map).</summary>
    private List<int> TakeWork()
    {
        var work = new List<int>();
        lock (_queueGate)
        {
            while (_preload.TryDequeue(out var pid))
            {
                work.Add(pid);
            }
        }

        var requests = _maps.Map(UnwindSchema.Requests);
        Span<byte> key = stackalloc byte[sizeof(uint)];
        Span<byte> next = stackalloc byte[sizeof(uint)];
        var pending = new List<uint>();
        var first = true;
        while (first ? requests.TryGetNextKey(default, next) : requests.TryGetNextKey(key, next))
        {
            first = false;
            pending.Add(MemoryMarshal.Read<uint>(next));
            next.CopyTo(key);
        }

        foreach (var pid in pending)
        {
            requests.TryDelete(pid);
            _requests++;
            if (!_processes.TryGetValue((int)pid, out var loaded)
                || Environment.TickCount64 - loaded.LoadedAtTicks >= MinReloadInterval.TotalMilliseconds)
            {
                work.Add((int)pid);
            }
        }

        return work;
    }

    private void Load(int pid)
    {
        var processes = _maps.Map(UnwindSchema.Processes);
        var record = _mappings.Read(pid, out var loaded);
        var key = (uint)pid;
        if (record is null)
        {
            _processes.Remove(pid);
            processes.TryDelete(key);
            return;
        }

        processes.Update(key, record.Value);
        _processes[pid] = loaded;
    }

    /// <summary>Forgets processes that exited, and reloads those whose pid now names another process.</summary>
    private void Sweep()
    {
        foreach (var loaded in _processes.Values.ToList())
        {
            var start = ProcessInfo.ReadStartTime(_procRoot, loaded.Pid);
            if (start == 0)
            {
                _processes.Remove(loaded.Pid);
                _maps.Map(UnwindSchema.Processes).TryDelete((uint)loaded.Pid);
            }
            else if (start != loaded.StartTime)
            {
                Load(loaded.Pid);
            }
        }
    }

    private void Publish() => Volatile.Write(ref _statistics, new UnwindStatistics(
        _processes.Count,
        _files.Loaded,
        _files.Rows,
        _files.Bytes,
        _files.Built,
        _files.WithoutTable,
        _files.Evicted,
        _files.BuildTime.TotalMilliseconds,
        _files.SectionBytes,
        _requests,
        _mappings.MappingsOverLimit));
}
