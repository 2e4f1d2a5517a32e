using System.Globalization;

namespace SystemScope.Sources.Processes;

/// <summary>
/// Paths of cgroups by the ids BPF reports, for labels. The tree is walked when an id is not known,
/// at most once per <c>minInterval</c>; an id still unknown is shown as <c>cgroup 1234</c>.
/// </summary>
internal sealed class CgroupNames(string procRoot = "/proc", TimeSpan? minInterval = null)
{
    private readonly TimeSpan _minInterval = minInterval ?? TimeSpan.FromSeconds(5);
    private IReadOnlyDictionary<ulong, string> _paths = new Dictionary<ulong, string>();
    private long _walkedAt = long.MinValue;

    public string NameOf(ulong id)
    {
        if (_paths.TryGetValue(id, out var path))
        {
            return path;
        }

        if (Environment.TickCount64 - _walkedAt >= _minInterval.TotalMilliseconds)
        {
            _walkedAt = Environment.TickCount64;
            _paths = CgroupFs.Paths(procRoot);
            if (_paths.TryGetValue(id, out path))
            {
                return path;
            }
        }

        return "cgroup " + id.ToString(CultureInfo.InvariantCulture);
    }
}
