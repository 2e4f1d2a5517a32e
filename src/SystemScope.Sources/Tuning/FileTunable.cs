using SystemScope.Core.Tuning;

namespace SystemScope.Sources.Tuning;

/// <summary>
/// A tunable that is one kernel file: a sysctl, a sysfs attribute or a cgroup interface file. Subclasses
/// say where the file is for a target and how the value reads; the range check, the normalised read
/// (so the restore writes back exactly what was there) and the write are shared.
/// </summary>
public abstract class FileTunable(string id, TunableKind kind, TunableScope scope, string description, IValueDomain domain) : ITunable
{
    public string Id { get; } = id;

    public TunableKind Kind { get; } = kind;

    public TunableScope Scope { get; } = scope;

    public string Description { get; } = description;

    public string Range => Domain.Describe();

    protected IValueDomain Domain { get; } = domain;

    public string? Validate(TunableTarget target, string value) => Domain.Check(value.Trim(), Choices(target));

    public virtual string? Availability(TunableTarget target)
    {
        if (target.Scope != Scope)
        {
            return $"{Id} applies to a {Scope} target, not {target}";
        }

        var path = FileFor(target);
        return path is null ? $"no file for {target}" : InContext(target, () => File.Exists(path)) ? null : $"{Shown(path)} does not exist on this kernel";
    }

    public string Read(TunableTarget target) => Normalise(InContext(target, () => File.ReadAllText(Required(target))));

    public void Write(TunableTarget target, string value) => InContext(target, () =>
    {
        // One write of the whole value, as the shell's echo does (kernel files ignore the truncation; fake trees need it).
        using var stream = new FileStream(Required(target), FileMode.Truncate, FileAccess.Write, FileShare.ReadWrite);
        var bytes = System.Text.Encoding.ASCII.GetBytes(value.Trim() + "\n");
        stream.Write(bytes);
        return 0;
    });

    /// <summary>The file for a target, or null when the target does not name one.</summary>
    protected abstract string? FileFor(TunableTarget target);

    /// <summary>Runs file work where the file resolves (inside a network namespace for per-namespace sysctls).</summary>
    protected virtual T InContext<T>(TunableTarget target, Func<T> work) => work();

    /// <summary>What the machine offers now (the schedulers a device has), or null when the domain alone decides.</summary>
    protected virtual IReadOnlyList<string>? Choices(TunableTarget target) => null;

    /// <summary>The path as a user knows it (the fake tree's prefix stays in tests, which is fine).</summary>
    protected virtual string Shown(string path) => path;

    protected virtual string Normalise(string text) => string.Join(' ', text.Split((char[])[' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries));

    private string Required(TunableTarget target) => FileFor(target) ?? throw new IOException($"{Id}: no file for {target}");
}
