using System.Globalization;
using SystemScope.Bpf.Interop;

namespace SystemScope.Bpf;

/// <summary>The machine's CPUs as the kernel lists them.</summary>
public static class Cpus
{
    private static readonly Lazy<int> Possible = new(() =>
    {
        var count = Libbpf.NumPossibleCpus();
        return count > 0 ? count : throw new BpfException($"cannot read the number of possible CPUs: {Errno.Describe(count)}", count);
    });

    /// <summary>Possible CPUs (per-CPU map values have one slot for each).</summary>
    public static int PossibleCount => Possible.Value;

    /// <summary>Online CPUs, from <c>/sys/devices/system/cpu/online</c> (read each time: CPUs come and go).</summary>
    public static IReadOnlyList<int> Online() =>
        ParseList(File.ReadAllText("/sys/devices/system/cpu/online"));

    /// <summary>Parses the kernel's CPU list format: <c>0-3,5,7-8</c>.</summary>
    public static IReadOnlyList<int> ParseList(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var cpus = new List<int>();
        foreach (var part in text.Trim().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var dash = part.IndexOf('-', StringComparison.Ordinal);
            if (dash < 0)
            {
                cpus.Add(Parse(part));
                continue;
            }

            var first = Parse(part[..dash]);
            var last = Parse(part[(dash + 1)..]);
            if (last < first)
            {
                throw new FormatException($"CPU range '{part}' runs backwards");
            }

            for (var cpu = first; cpu <= last; cpu++)
            {
                cpus.Add(cpu);
            }
        }

        return cpus;

        static int Parse(string value) =>
            int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var cpu)
                ? cpu
                : throw new FormatException($"'{value}' is not a CPU number");
    }
}
