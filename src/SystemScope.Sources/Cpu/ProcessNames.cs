using System.Globalization;
using System.Text;

namespace SystemScope.Sources.Cpu;

/// <summary>
/// Process names by tgid, learnt from the source's lifecycle records (the group leader's name), with
/// /proc/PID/comm as fallback and "pid N" as last resort. Names are interned: one string per name.
/// A process's name is forgotten one drain after the drain that followed its exit, so samples it
/// left in the slot still being written keep their name.
/// </summary>
internal sealed class ProcessNames
{
    // Bounds the table when exits go unseen (processes never sampled, evicted announcements).
    private const int MaxEntries = 65536;

    private readonly Dictionary<int, string> _byTgid = [];
    private readonly Dictionary<string, string> _interned = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _internedBySpan;
    private List<int> _exitedSinceDrain = [];
    private List<int> _exitedBeforeDrain = [];

    public ProcessNames() => _internedBySpan = _interned.GetAlternateLookup<ReadOnlySpan<char>>();

    public int Count => _byTgid.Count;

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
        return Intern(chars[..length]);
    }

    public void Named(int tgid, string name)
    {
        if (_byTgid.Count >= MaxEntries && !_byTgid.ContainsKey(tgid))
        {
            _byTgid.Clear();
        }

        _byTgid[tgid] = name;
        _exitedSinceDrain.Remove(tgid);
        _exitedBeforeDrain.Remove(tgid);
    }

    public void Exited(int tgid) => _exitedSinceDrain.Add(tgid);

    /// <summary>Called after each drain: forgets processes whose last samples have now been published.</summary>
    public void Drained()
    {
        foreach (var tgid in _exitedBeforeDrain)
        {
            _byTgid.Remove(tgid);
        }

        _exitedBeforeDrain.Clear();
        (_exitedBeforeDrain, _exitedSinceDrain) = (_exitedSinceDrain, _exitedBeforeDrain);
    }

    public string NameOf(int tgid)
    {
        if (_byTgid.TryGetValue(tgid, out var name))
        {
            return name;
        }

        name = tgid == 0 ? "idle" : ReadComm(tgid) ?? $"pid {tgid}";
        Named(tgid, name);
        return name;
    }

    private string Intern(ReadOnlySpan<char> name)
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

    private string? ReadComm(int tgid)
    {
        try
        {
            var comm = File.ReadAllText(string.Create(CultureInfo.InvariantCulture, $"/proc/{tgid}/comm")).TrimEnd('\n');
            return comm.Length == 0 ? null : Intern(comm);
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
