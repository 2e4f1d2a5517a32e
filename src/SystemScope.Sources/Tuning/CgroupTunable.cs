using System.Globalization;
using SystemScope.Core.Tuning;

namespace SystemScope.Sources.Tuning;

/// <summary>A cgroup v2 interface file (<c>cpu.weight</c>, <c>memory.high</c>) of one cgroup, named by its path under the cgroup2 mount.</summary>
public sealed class CgroupTunable(string file, string description, IValueDomain domain, TuningRoots roots)
    : FileTunable("cgroup." + file, TunableKind.Cgroup, TunableScope.Cgroup, description, domain)
{
    public override string? Availability(TunableTarget target)
    {
        if (roots.CgroupMount is null)
        {
            return "no cgroup v2 hierarchy is mounted";
        }

        var directory = FileFor(target) is { } path ? Path.GetDirectoryName(path) : null;
        if (directory is null || !Directory.Exists(directory))
        {
            return $"cgroup {target.Object} does not exist";
        }

        return base.Availability(target) is { } absent ? absent + $" (is the {file.Split('.')[0]} controller enabled in the parent's cgroup.subtree_control?)" : null;
    }

    protected override string? FileFor(TunableTarget target) =>
        roots.CgroupMount is { } mount && target.Object is { } path && path.StartsWith('/') && !path.Split('/').Contains("..")
            ? Path.Combine(mount + path, file)
            : null;
}

/// <summary><c>max</c> or a byte count of at least <see cref="MinBytes"/> (a lower limit would stall the cgroup in reclaim).</summary>
public sealed record BytesOrMax(long MinBytes) : IValueDomain
{
    public string Describe() => $"max or {MinBytes}..{long.MaxValue} bytes";

    public string? Check(string value, IReadOnlyList<string>? choices) =>
        value == "max" ? null
        : !long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? $"'{value}' is neither 'max' nor a byte count"
        : n < MinBytes ? $"{n} bytes is below the {MinBytes}-byte floor"
        : null;
}
