using System.Globalization;
using System.Text;
using SystemScope.Core.Events;
using SystemScope.Core.Sources;

namespace SystemScope.Sources.Process;

/// <summary>
/// Process names of one session by tgid (the group leader's name), learnt from the process lifecycle
/// records (seen, fork, exec, the leader's renames), with /proc/PID/comm as fallback and "pid N" as
/// last resort. Names are interned: one string per name. A process's name is kept for a while after
/// it exits, because a source that aggregates in the kernel publishes its last samples up to a
/// window later. Shared by the session's sources (a session resource); thread-safe.
/// </summary>
internal sealed class ProcessNames
{
    // Bounds the tables when exits go unseen (processes outside the filter, evicted announcements).
    private const int MaxEntries = 65536;

    private readonly Lock _gate = new();
    private readonly Dictionary<int, string> _byTgid = [];
    private readonly Dictionary<string, string> _interned = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _internedBySpan;
    private readonly Dictionary<int, long> _exitedAtNs = [];
    private readonly long _retentionNs;
    private long _nextSweepNs;

    public ProcessNames(TimeSpan retention)
    {
        _internedBySpan = _interned.GetAlternateLookup<ReadOnlySpan<char>>();
        _retentionNs = (long)retention.TotalNanoseconds;
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _byTgid.Count;
            }
        }
    }

    /// <summary>The session's table, created on first use; exited names are kept for two windows and a bit.</summary>
    public static ProcessNames For(SourceContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Resources.GetOrCreate(() => new ProcessNames((context.Window * 2) + TimeSpan.FromSeconds(2)));
    }

    /// <summary>Decodes a NUL-terminated comm and returns the interned string.</summary>
    public string Intern(ReadOnlySpan<byte> comm)
    {
        var end = comm.IndexOf((byte)0);
        if (end >= 0)
        {
            comm = comm[..end];
        }

        Span<char> chars = stackalloc char[Encoding.UTF8.GetMaxCharCount(comm.Length)];
        var length = Encoding.UTF8.GetChars(comm, chars);
        lock (_gate)
        {
            return InternLocked(chars[..length]);
        }
    }

    public void Named(int tgid, string name)
    {
        lock (_gate)
        {
            NamedLocked(tgid, name);
        }
    }

    /// <summary>The process exited: its name is forgotten once the retention has passed.</summary>
    public void Exited(int tgid)
    {
        lock (_gate)
        {
            _exitedAtNs[tgid] = MonotonicClock.NowNs();
            SweepLocked();
        }
    }

    public string NameOf(int tgid)
    {
        lock (_gate)
        {
            if (_byTgid.TryGetValue(tgid, out var name))
            {
                return name;
            }
        }

        // Read outside the lock: /proc can be slow, and two readers at once only do the work twice.
        var read = tgid == 0 ? "idle" : ReadComm(tgid);
        lock (_gate)
        {
            var name = read is null ? $"pid {tgid}" : InternLocked(read);
            if (!_byTgid.ContainsKey(tgid))
            {
                NamedLocked(tgid, name);
            }

            return _byTgid[tgid];
        }
    }

    private void NamedLocked(int tgid, string name)
    {
        if (_byTgid.Count >= MaxEntries && !_byTgid.ContainsKey(tgid))
        {
            _byTgid.Clear();
            _exitedAtNs.Clear();
        }

        _byTgid[tgid] = name;
        _exitedAtNs.Remove(tgid);
    }

    private void SweepLocked()
    {
        var now = MonotonicClock.NowNs();
        if (now < _nextSweepNs)
        {
            return;
        }

        _nextSweepNs = now + (_retentionNs / 4);
        List<int>? forget = null;
        foreach (var (tgid, exitedAt) in _exitedAtNs)
        {
            if (now - exitedAt >= _retentionNs)
            {
                (forget ??= []).Add(tgid);
            }
        }

        foreach (var tgid in forget ?? [])
        {
            _exitedAtNs.Remove(tgid);
            _byTgid.Remove(tgid);
        }
    }

    private string InternLocked(ReadOnlySpan<char> name)
    {
        if (_internedBySpan.TryGetValue(name, out var interned))
        {
            return interned;
        }

        if (_interned.Count >= MaxEntries)
        {
            _interned.Clear();
        }

        interned = name.ToString();
        _interned[interned] = interned;
        return interned;
    }

    private static string? ReadComm(int tgid)
    {
        try
        {
            var comm = File.ReadAllText(string.Create(CultureInfo.InvariantCulture, $"/proc/{tgid}/comm")).TrimEnd('\n');
            return comm.Length == 0 ? null : comm;
        }
        catch (IOException)
        {
            return null; // gone already
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
