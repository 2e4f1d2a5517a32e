using System.Globalization;
using System.Text;

namespace SystemScope.Sources.Tuning;

/// <summary>The kernel's CPU list syntax (<c>0-3,6</c>), parsed and written canonically so a restore compares equal.</summary>
public static class CpuList
{
    public const int MaxCpus = 1024;

    public static SortedSet<int>? TryParse(string text)
    {
        var cpus = new SortedSet<int>();
        foreach (var part in text.Trim().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var dash = part.IndexOf('-', StringComparison.Ordinal);
            if (!int.TryParse(dash < 0 ? part : part[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var first)
                || !int.TryParse(dash < 0 ? part : part[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var last)
                || last < first || last >= MaxCpus)
            {
                return null;
            }

            for (var cpu = first; cpu <= last; cpu++)
            {
                cpus.Add(cpu);
            }
        }

        return cpus.Count == 0 ? null : cpus;
    }

    public static string Format(IEnumerable<int> cpus)
    {
        var text = new StringBuilder();
        int? start = null, previous = null;
        foreach (var cpu in cpus.Order())
        {
            if (previous is { } p && cpu == p + 1)
            {
                previous = cpu;
                continue;
            }

            Flush();
            start = previous = cpu;
        }

        Flush();
        return text.ToString();

        void Flush()
        {
            if (start is { } s && previous is { } e)
            {
                text.Append(text.Length > 0 ? "," : string.Empty).Append(s.ToString(CultureInfo.InvariantCulture));
                if (e > s)
                {
                    text.Append('-').Append(e.ToString(CultureInfo.InvariantCulture));
                }
            }
        }
    }
}
