namespace SystemScope.Core.Tuning;

/// <summary>How a tunable is set.</summary>
public enum TunableKind
{
    Sysctl,
    Sysfs,
    ProcessScheduling,
    Cgroup,
    Runtime,
}

/// <summary>What one write affects.</summary>
public enum TunableScope
{
    /// <summary>The whole machine (vm.swappiness, a block device's scheduler).</summary>
    System,

    /// <summary>One network namespace (net.core.somaxconn): the host's value is not touched.</summary>
    NetworkNamespace,

    /// <summary>One cgroup v2 (cpu.weight, memory.high).</summary>
    Cgroup,

    /// <summary>One process, all its threads (nice, scheduling policy, CPU affinity).</summary>
    Process,
}

/// <summary>
/// What a write applies to. <see cref="Key"/> names it: <c>system</c>; <c>netns:INODE</c> reached through
/// <see cref="Pid"/>, a process inside it; <c>cgroup:/path</c>; <c>pid:PID</c>; and for sysfs
/// tunables the object as well (<c>device:vda</c>, <c>cpu:0</c>). One action per key at a time.
/// </summary>
public sealed record TunableTarget(TunableScope Scope, string Key, int? Pid = null, string? Object = null)
{
    public static TunableTarget System(string? obj = null) => new(TunableScope.System, obj is null ? "system" : "system:" + obj, null, obj);

    public static TunableTarget Process(int pid) => new(TunableScope.Process, "pid:" + pid.ToString(global::System.Globalization.CultureInfo.InvariantCulture), pid);

    public static TunableTarget NetworkNamespace(ulong inode, int pid) =>
        new(TunableScope.NetworkNamespace, "netns:" + inode.ToString(global::System.Globalization.CultureInfo.InvariantCulture), pid);

    public static TunableTarget Cgroup(string path) => new(TunableScope.Cgroup, "cgroup:" + path, null, path);

    public override string ToString() => Pid is { } pid && Scope == TunableScope.NetworkNamespace ? $"{Key} (via pid {pid})" : Key;
}

/// <summary>
/// A setting the tuning loop may change: declared once with its kind, scope and allowed values, and
/// able to read, write and (by writing the value read before) restore itself. Nothing outside the
/// declared set is ever written.
/// </summary>
public interface ITunable
{
    string Id { get; }

    TunableKind Kind { get; }

    TunableScope Scope { get; }

    string Description { get; }

    /// <summary>The allowed values in words (<c>128..65535</c>, <c>one of: other, batch, idle</c>).</summary>
    string Range { get; }

    /// <summary>Null when <paramref name="value"/> is allowed for the target, else why not.</summary>
    string? Validate(TunableTarget target, string value);

    /// <summary>Null when the tunable exists for the target on this machine, else why not (absent on this kernel, the process exited).</summary>
    string? Availability(TunableTarget target);

    /// <summary>The current value, normalised so that writing it back restores exactly this state.</summary>
    string Read(TunableTarget target);

    void Write(TunableTarget target, string value);
}
