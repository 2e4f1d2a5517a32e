using SystemScope.Core.Tuning;

namespace SystemScope.Sources.Tuning;

/// <summary>
/// A sysctl under /proc/sys, for the whole machine or — for the network sysctls that are per
/// namespace — for one network namespace, entered through a process inside it.
/// </summary>
public sealed class SysctlTunable(string name, TunableScope scope, string description, IValueDomain domain, TuningRoots roots, string? offeredBy = null)
    : FileTunable(name, TunableKind.Sysctl, scope, description, domain)
{
    public override string? Availability(TunableTarget target)
    {
        if (target.Scope == TunableScope.NetworkNamespace)
        {
            if (target.Pid is not { } pid || !Directory.Exists(roots.ProcessDirectory(pid)))
            {
                return $"process {target.Pid} (the way into {target.Key}) has exited";
            }

            if ("netns:" + roots.Namespaces.InodeOf(pid) != target.Key)
            {
                return $"process {pid} is no longer in {target.Key}";
            }
        }

        return base.Availability(target);
    }

    protected override string? FileFor(TunableTarget target) => Path.Combine(roots.Proc, "sys", Id.Replace('.', '/'));

    protected override T InContext<T>(TunableTarget target, Func<T> work) =>
        target.Scope == TunableScope.NetworkNamespace && target.Pid is { } pid ? roots.Namespaces.Run(pid, work) : work();

    protected override IReadOnlyList<string>? Choices(TunableTarget target)
    {
        if (offeredBy is null)
        {
            return null;
        }

        var path = Path.Combine(roots.Proc, "sys", offeredBy.Replace('.', '/'));
        return InContext(target, () => File.Exists(path) ? File.ReadAllText(path).Split((char[])[' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries) : null);
    }
}
