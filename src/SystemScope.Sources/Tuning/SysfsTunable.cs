using SystemScope.Core.Tuning;

namespace SystemScope.Sources.Tuning;

/// <summary>
/// A sysfs attribute of an object (a block device, a CPU) or of the machine. Selector files such as
/// <c>[mq-deadline] none</c> read as the selected name; the others are what the machine offers.
/// </summary>
public sealed class SysfsTunable(string id, string description, IValueDomain domain, TuningRoots roots, Func<string?, string?> relativePath, bool selector = false, Func<string?, string?>? offeredBy = null)
    : FileTunable(id, TunableKind.Sysfs, TunableScope.System, description, domain)
{
    protected override string? FileFor(TunableTarget target) =>
        relativePath(target.Object) is { } relative && (target.Object is null || IsPlainName(target.Object)) ? Path.Combine(roots.Sys, relative) : null;

    protected override string Normalise(string text)
    {
        var plain = base.Normalise(text);
        if (!selector)
        {
            return plain;
        }

        var open = plain.IndexOf('[', StringComparison.Ordinal);
        var close = plain.IndexOf(']', StringComparison.Ordinal);
        return open >= 0 && close > open ? plain[(open + 1)..close] : plain;
    }

    protected override IReadOnlyList<string>? Choices(TunableTarget target)
    {
        var file = selector ? FileFor(target) : offeredBy?.Invoke(target.Object) is { } relative ? Path.Combine(roots.Sys, relative) : null;
        return file is not null && File.Exists(file)
            ? [.. File.ReadAllText(file).Split((char[])[' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(c => c.Trim('[', ']'))]
            : null;
    }

    // A device or CPU name from a request must not climb out of its directory.
    private static bool IsPlainName(string name) => name.Length > 0 && !name.Contains('/', StringComparison.Ordinal) && name != "." && name != "..";
}
