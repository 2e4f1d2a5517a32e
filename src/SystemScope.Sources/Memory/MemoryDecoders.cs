using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Activity;
using SystemScope.Core.Events.Memory;
using SystemScope.Core.Sources;
using SystemScope.Sources.Kit;
using SystemScope.Sources.Process;
using SystemScope.Sources.Processes;

namespace SystemScope.Sources.Memory;

/// <summary>
/// Decodes <c>struct mem_record</c> (major faults, reclaim and compaction stalls) into
/// <see cref="ActivitySpan"/>s of kind <see cref="MemorySpans.Kind"/>. A major fault's detail names the
/// mapping of the faulting address (a file and offset, or anonymous memory) from /proc/PID/maps.
/// </summary>
internal sealed class SpanDecoder(ProcessNames names, string procRoot) : IRecordBatcher
{
    private readonly List<MemoryRecord> _pending = [];
    private readonly MappingCache _mappings = new(procRoot);
    private long _published;

    public long Published => Interlocked.Read(ref _published);

    public void OnRecord(ReadOnlySpan<byte> record)
    {
        if (record.Length >= Unsafe.SizeOf<MemoryRecord>())
        {
            _pending.Add(MemoryMarshal.Read<MemoryRecord>(record));
        }
    }

    public void Flush(ISourceSink sink)
    {
        if (_pending.Count == 0)
        {
            return;
        }

        var spans = new Event<ActivitySpan>[_pending.Count];
        for (var i = 0; i < _pending.Count; i++)
        {
            var r = _pending[i];
            var header = new EventHeader(MemorySpans.Kind, (long)r.TimestampNs, (int)r.Tgid, (int)r.Tid) { DurationNs = (long)r.DurationNs };
            ReadOnlySpan<ulong> frames = r.UserIps;
            var user = frames[..(int)Math.Min(r.UserLength, (uint)MemorySchema.SpanFrames)].ToArray();
            spans[i] = new Event<ActivitySpan>(header, Describe(r, user));
        }

        _pending.Clear();
        _mappings.Sweep();
        Interlocked.Add(ref _published, spans.Length);
        sink.Publish(new EventBatch<ActivitySpan>(spans));
    }

    private ActivitySpan Describe(in MemoryRecord r, ulong[] user)
    {
        var thread = names.Intern(r.Comm);
        string category = "memory", name, detail;
        switch ((MemoryRecordKind)r.Kind)
        {
            case MemoryRecordKind.MajorFault:
                category = "fault";
                name = "major fault";
                detail = _mappings.Describe((int)r.Tgid, r.Address);
                break;
            case MemoryRecordKind.DirectReclaim:
                name = "direct reclaim";
                detail = Reclaim(r);
                break;
            case MemoryRecordKind.MemcgReclaim:
                name = "cgroup reclaim";
                detail = Reclaim(r);
                break;
            default:
                name = "compaction";
                detail = string.Create(CultureInfo.InvariantCulture, $"status {(long)r.Address}");
                break;
        }

        return new ActivitySpan(category, name, thread.Length > 0 && category == "memory" ? $"{detail} ({thread})" : detail, string.Empty, user, ReadOnlyMemory<ulong>.Empty)
        {
            ThreadName = thread,
        };
    }

    private static string Reclaim(in MemoryRecord r) =>
        string.Create(CultureInfo.InvariantCulture, $"order {r.Order}, {r.Address} pages reclaimed");
}

/// <summary>
/// Decodes <c>struct mem_oom</c> into an <see cref="OomKill"/> and an instant <see cref="ActivitySpan"/>
/// (<c>memory</c>, <c>OOM kill</c>) on the victim. Memory cgroups are named by walking the hierarchy the
/// memory controller is mounted on (cgroup2, or v1 beside it) when an unknown id comes: OOM kills are rare.
/// </summary>
internal sealed class OomDecoder(ProcessNames names, string procRoot) : IRecordBatcher
{
    private readonly List<OomRecord> _pending = [];
    private IReadOnlyDictionary<ulong, string> _cgroups = new Dictionary<ulong, string>();
    private long _published;

    public long Published => Interlocked.Read(ref _published);

    public void OnRecord(ReadOnlySpan<byte> record)
    {
        if (record.Length >= Unsafe.SizeOf<OomRecord>())
        {
            _pending.Add(MemoryMarshal.Read<OomRecord>(record));
        }
    }

    public void Flush(ISourceSink sink)
    {
        if (_pending.Count == 0)
        {
            return;
        }

        var kills = new Event<OomKill>[_pending.Count];
        var spans = new Event<ActivitySpan>[_pending.Count];
        var page = ProcMemory.PageSize;
        for (var i = 0; i < _pending.Count; i++)
        {
            var r = _pending[i];
            var victim = (int)r.VictimTgid;
            var cgroup = CgroupName(r.MemcgId);
            var limitCgroup = r.LimitMemcgId == 0 ? string.Empty : CgroupName(r.LimitMemcgId);
            var limit = (long)r.LimitPages * page;
            var usage = (long)r.LimitUsagePages * page;
            // A cgroup's OOM happens when its usage reaches its limit; with room left the system ran out.
            var cgroupOom = r.LimitPages > 0 && r.LimitUsagePages + 64 >= r.LimitPages;
            var kill = new OomKill(
                names.Intern(r.Comm), (int)r.TriggerTgid, (long)r.TotalVmPages * page, (long)r.AnonRssPages * page, (long)r.FileRssPages * page,
                (long)r.ShmemRssPages * page, r.OomScoreAdj, cgroup, limitCgroup, limit, usage, cgroupOom);
            kills[i] = new Event<OomKill>(new EventHeader(OomKill.Kind, (long)r.TimestampNs, victim, victim), kill);
            var detail = cgroupOom
                ? string.Create(CultureInfo.InvariantCulture, $"{kill.VictimName} ({victim}), limit {Mib(limit)} of {limitCgroup} reached, anon {Mib(kill.AnonRssBytes)}")
                : string.Create(CultureInfo.InvariantCulture, $"{kill.VictimName} ({victim}), system out of memory, anon {Mib(kill.AnonRssBytes)}");
            spans[i] = new Event<ActivitySpan>(
                new EventHeader(MemorySpans.Kind, (long)r.TimestampNs, victim, victim),
                new ActivitySpan("memory", "OOM kill", detail, string.Empty, ReadOnlyMemory<ulong>.Empty, ReadOnlyMemory<ulong>.Empty));
        }

        _pending.Clear();
        Interlocked.Add(ref _published, kills.Length);
        sink.Publish(new EventBatch<OomKill>(kills));
        sink.Publish(new EventBatch<ActivitySpan>(spans));
    }

    private static string Mib(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.#} MiB");

    private string CgroupName(ulong id)
    {
        if (id == 0)
        {
            return string.Empty;
        }

        if (!_cgroups.TryGetValue(id, out var path)
            && CgroupFs.FindControllerMount(Path.Combine(procRoot, "self", "mountinfo"), "memory") is { } mount)
        {
            _cgroups = CgroupFs.PathsIn(mount);
            _cgroups.TryGetValue(id, out path);
        }

        return path ?? "cgroup " + id.ToString(CultureInfo.InvariantCulture);
    }
}

/// <summary>
/// Mappings of processes from /proc/PID/maps, to say what a faulting address is: read when a process
/// first needs them or an address is not in them, at most once a second per process; bounded.
/// </summary>
internal sealed class MappingCache(string procRoot)
{
    private const int MaxProcesses = 256;
    private static readonly long RefreshNs = (long)TimeSpan.FromSeconds(1).TotalNanoseconds;

    private readonly Dictionary<int, (long ReadAtNs, List<(ulong Start, ulong End, ulong Offset, string Path)> Maps)> _byPid = [];

    public string Describe(int pid, ulong address)
    {
        var hex = "0x" + address.ToString("x", CultureInfo.InvariantCulture);
        var now = MonotonicClock.NowNs();
        if (!_byPid.TryGetValue(pid, out var entry) || (Find(entry.Maps, address) is null && now - entry.ReadAtNs > RefreshNs))
        {
            entry = (now, Read(pid));
            _byPid[pid] = entry;
        }

        if (Find(entry.Maps, address) is not { } map)
        {
            return hex;
        }

        return map.Path.Length == 0 || map.Path.StartsWith('[')
            ? $"{(map.Path.Length == 0 ? "anonymous" : map.Path)} {hex}"
            : string.Create(CultureInfo.InvariantCulture, $"{map.Path} +0x{map.Offset + (address - map.Start):x}");
    }

    /// <summary>Keeps the cache bounded: past its size it starts again.</summary>
    public void Sweep()
    {
        if (_byPid.Count > MaxProcesses)
        {
            _byPid.Clear();
        }
    }

    private static (ulong Start, ulong End, ulong Offset, string Path)? Find(List<(ulong Start, ulong End, ulong Offset, string Path)> maps, ulong address)
    {
        foreach (var map in maps)
        {
            if (address >= map.Start && address < map.End)
            {
                return map;
            }
        }

        return null;
    }

    private List<(ulong Start, ulong End, ulong Offset, string Path)> Read(int pid)
    {
        var maps = new List<(ulong, ulong, ulong, string)>();
        if (!ProcMemory.TryRead(Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture), "maps"), out var text))
        {
            return maps;
        }

        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // start-end perms offset dev inode path
            var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            var dash = fields[0].IndexOf('-', StringComparison.Ordinal);
            if (fields.Length < 5 || dash < 0
                || !ulong.TryParse(fields[0].AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var start)
                || !ulong.TryParse(fields[0].AsSpan(dash + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var end)
                || !ulong.TryParse(fields[2], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var offset))
            {
                continue;
            }

            maps.Add((start, end, offset, fields.Length > 5 ? fields[5].Trim() : string.Empty));
        }

        return maps;
    }
}
