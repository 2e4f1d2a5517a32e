using System.Globalization;
using SystemScope.Core.Tuning;

namespace SystemScope.Sources.Tuning;

/// <summary>A per-process scheduling setting, applied to every thread of the process.</summary>
public abstract class ProcessTunable(string id, string description, TuningRoots roots) : ITunable
{
    public string Id { get; } = id;

    public TunableKind Kind => TunableKind.ProcessScheduling;

    public TunableScope Scope => TunableScope.Process;

    public string Description { get; } = description;

    public abstract string Range { get; }

    protected TuningRoots Roots { get; } = roots;

    public abstract string? Validate(TunableTarget target, string value);

    public virtual string? Availability(TunableTarget target) =>
        target.Pid is not { } pid ? $"{target} names no process"
        : !File.Exists(Path.Combine(Roots.ProcessDirectory(pid), "stat")) ? $"process {pid} has exited"
        : null;

    public abstract string Read(TunableTarget target);

    public abstract void Write(TunableTarget target, string value);

    protected int Pid(TunableTarget target) => target.Pid ?? throw new IOException($"{target} names no process");
}

/// <summary>Nice value: only lowered priority (0..19) is proposed; a restore writes back whatever was there.</summary>
public sealed class NiceTunable(TuningRoots roots) : ProcessTunable("process.nice", "Nice value of every thread of a process (higher runs less when CPUs are contended)", roots)
{
    private static readonly IntegerRange Allowed = new(0, 19);

    public override string Range => Allowed.Describe();

    public override string? Validate(TunableTarget target, string value) => Allowed.Check(value.Trim(), null);

    public override string Read(TunableTarget target) => ProcessControl.Nice(Roots.Proc, Pid(target)).ToString(CultureInfo.InvariantCulture);

    public override void Write(TunableTarget target, string value) =>
        ProcessControl.SetNice(Roots.Proc, Pid(target), int.Parse(value.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture));
}

/// <summary>Scheduling policy among the fair-class ones: other, batch (no wakeup preemption), idle (runs only when nothing else does).</summary>
public sealed class PolicyTunable(TuningRoots roots) : ProcessTunable("process.policy", "Scheduling policy of every thread of a process: other, batch or idle", roots)
{
    private static readonly NameChoices Allowed = new("other", "batch", "idle");

    public override string Range => Allowed.Describe();

    public override string? Validate(TunableTarget target, string value) => Allowed.Check(value.Trim(), null);

    public override string? Availability(TunableTarget target)
    {
        if (base.Availability(target) is { } absent)
        {
            return absent;
        }

        var policy = ProcessControl.Policy(Roots.Proc, Pid(target));
        return policy is ProcessControl.SchedOther or ProcessControl.SchedBatch or ProcessControl.SchedIdle
            ? null
            : $"process {target.Pid} runs a real-time or deadline policy ({policy}): not changed";
    }

    public override string Read(TunableTarget target) => ProcessControl.Policy(Roots.Proc, Pid(target)) switch
    {
        ProcessControl.SchedBatch => "batch",
        ProcessControl.SchedIdle => "idle",
        ProcessControl.SchedOther => "other",
        var other => other.ToString(CultureInfo.InvariantCulture),
    };

    public override void Write(TunableTarget target, string value) => ProcessControl.SetPolicy(Roots.Proc, Pid(target), value.Trim() switch
    {
        "batch" => ProcessControl.SchedBatch,
        "idle" => ProcessControl.SchedIdle,
        "other" => ProcessControl.SchedOther,
        var unknown => throw new IOException($"'{unknown}' is not a policy this tunable writes"),
    });
}

/// <summary>CPU affinity of every thread of a process, as a CPU list of online CPUs.</summary>
public sealed class AffinityTunable(TuningRoots roots) : ProcessTunable("process.affinity", "CPUs every thread of a process may run on", roots)
{
    public override string Range => "a list of online CPUs: " + Online();

    public override string? Validate(TunableTarget target, string value)
    {
        var cpus = CpuList.TryParse(value);
        if (cpus is null)
        {
            return $"'{value}' is not a CPU list such as 0 or 0-1,3";
        }

        var online = CpuList.TryParse(Online()) ?? [];
        var offline = cpus.Where(c => !online.Contains(c)).ToList();
        return offline.Count > 0 ? $"CPU {CpuList.Format(offline)} is not online" : null;
    }

    public override string Read(TunableTarget target) => CpuList.Format(CpuList.TryParse(ProcessControl.Affinity(Roots.Proc, Pid(target))) ?? []);

    public override void Write(TunableTarget target, string value) =>
        ProcessControl.SetAffinity(Roots.Proc, Pid(target), CpuList.TryParse(value) ?? throw new IOException($"'{value}' is not a CPU list"));

    private string Online()
    {
        var path = Path.Combine(Roots.Sys, "devices", "system", "cpu", "online");
        return File.Exists(path) ? File.ReadAllText(path).Trim() : "0";
    }
}
