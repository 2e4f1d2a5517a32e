using System.Globalization;

namespace SystemScope.Core.Events.Accel;

/// <summary>What one DRM fd's fdinfo says about its client (before de-duplication across fds).</summary>
public sealed record DrmFdinfoReading(string Driver, string? PciDevice, long ClientId, DrmEngineCounters[] Engines, DrmRegionMemory[] Regions);

/// <summary>
/// Parses the DRM client usage stats a driver prints into <c>/proc/PID/fdinfo/FD</c>
/// (Documentation/gpu/drm-usage-stats.rst): <c>key: value [unit]</c> lines, keys prefixed <c>drm-</c>.
/// Unknown keys (<c>drm-curfreq-*</c>, <c>amd-*</c>, <c>pasid</c>) are skipped, so a driver adding keys
/// never breaks the reading; a value that is not a number is skipped, not guessed.
/// </summary>
public static class DrmFdinfo
{
    private const string EngineCapacity = "drm-engine-capacity-";
    private const string Engine = "drm-engine-";
    private const string TotalCycles = "drm-total-cycles-";
    private const string Cycles = "drm-cycles-";
    private const string MaxFrequency = "drm-maxfreq-";

    private enum MemoryFigure
    {
        Total,
        Shared,
        Resident,
        Purgeable,
        Active,
    }

    // drm-memory-REGION is the deprecated alias of drm-resident-REGION.
    private static readonly (string Prefix, MemoryFigure Figure)[] MemoryKeys =
    [
        ("drm-total-", MemoryFigure.Total),
        ("drm-shared-", MemoryFigure.Shared),
        ("drm-resident-", MemoryFigure.Resident),
        ("drm-memory-", MemoryFigure.Resident),
        ("drm-purgeable-", MemoryFigure.Purgeable),
        ("drm-active-", MemoryFigure.Active),
    ];

    /// <summary>False when the text has no <c>drm-driver</c> line (not a DRM fd, or a driver without usage stats).</summary>
    public static bool TryParse(string text, out DrmFdinfoReading reading)
    {
        ArgumentNullException.ThrowIfNull(text);
        reading = null!;
        string? driver = null, pdev = null;
        long clientId = -1;
        var engines = new Dictionary<string, EngineBuilder>(StringComparer.Ordinal);
        var regions = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var raw in text.AsSpan().EnumerateLines())
        {
            var colon = raw.IndexOf(':');
            if (colon <= 0)
            {
                continue;
            }

            var key = raw[..colon].Trim().ToString();
            var value = raw[(colon + 1)..].Trim();
            if (!key.StartsWith("drm-", StringComparison.Ordinal))
            {
                continue;
            }

            switch (key)
            {
                case "drm-driver":
                    driver = value.ToString();
                    continue;
                case "drm-pdev":
                    pdev = value.ToString();
                    continue;
                case "drm-client-id":
                    clientId = TryNumber(value, out var id, out _) ? id : -1;
                    continue;
            }

            if (!TryNumber(value, out var number, out var unit))
            {
                continue;
            }

            if (key.StartsWith(EngineCapacity, StringComparison.Ordinal))
            {
                EngineOf(engines, key[EngineCapacity.Length..]).Capacity = (int)Math.Clamp(number, 1, int.MaxValue);
            }
            else if (key.StartsWith(Engine, StringComparison.Ordinal))
            {
                EngineOf(engines, key[Engine.Length..]).BusyNs = ScaleTime(number, unit);
            }
            else if (key.StartsWith(TotalCycles, StringComparison.Ordinal))
            {
                EngineOf(engines, key[TotalCycles.Length..]).TotalCycles = number;
            }
            else if (key.StartsWith(Cycles, StringComparison.Ordinal))
            {
                EngineOf(engines, key[Cycles.Length..]).Cycles = number;
            }
            else if (key.StartsWith(MaxFrequency, StringComparison.Ordinal))
            {
                EngineOf(engines, key[MaxFrequency.Length..]).MaxFrequencyHz = ScaleFrequency(number, unit);
            }
            else
            {
                foreach (var (prefix, figure) in MemoryKeys)
                {
                    if (key.StartsWith(prefix, StringComparison.Ordinal) && key.Length > prefix.Length)
                    {
                        var region = key[prefix.Length..];
                        if (!regions.TryGetValue(region, out var figures))
                        {
                            regions[region] = figures = [-1, -1, -1, -1, -1];
                        }

                        figures[(int)figure] = ScaleBytes(number, unit);
                        break;
                    }
                }
            }
        }

        if (driver is null)
        {
            return false;
        }

        reading = new DrmFdinfoReading(
            driver,
            pdev,
            clientId,
            [.. engines.Select(e => new DrmEngineCounters(e.Key, e.Value.BusyNs, e.Value.Capacity, e.Value.Cycles, e.Value.TotalCycles, e.Value.MaxFrequencyHz))],
            [.. regions.Select(r => new DrmRegionMemory(r.Key, r.Value[0], r.Value[1], r.Value[2], r.Value[3], r.Value[4]))]);
        return true;
    }

    private static EngineBuilder EngineOf(Dictionary<string, EngineBuilder> engines, string name)
    {
        if (!engines.TryGetValue(name, out var engine))
        {
            engines[name] = engine = new EngineBuilder();
        }

        return engine;
    }

    /// <summary>A non-negative integer and the unit after it (<c>9288864723 ns</c>, <c>36496 KiB</c>, <c>800000000 Hz</c>).</summary>
    private static bool TryNumber(ReadOnlySpan<char> value, out long number, out string unit)
    {
        var end = 0;
        while (end < value.Length && char.IsAsciiDigit(value[end]))
        {
            end++;
        }

        unit = value[end..].Trim().ToString();
        return long.TryParse(value[..end], NumberStyles.None, CultureInfo.InvariantCulture, out number);
    }

    private static long ScaleBytes(long value, string unit) => unit switch
    {
        "KiB" => value * 1024,
        "MiB" => value * 1024 * 1024,
        "GiB" => value * 1024 * 1024 * 1024,
        _ => value,
    };

    private static long ScaleFrequency(long value, string unit) => unit switch
    {
        "KHz" or "kHz" => value * 1_000,
        "MHz" => value * 1_000_000,
        _ => value,
    };

    private static long ScaleTime(long value, string unit) => unit switch
    {
        "us" => value * 1_000,
        "ms" => value * 1_000_000,
        _ => value,
    };

    private sealed class EngineBuilder
    {
        public long BusyNs { get; set; } = -1;

        public int Capacity { get; set; } = 1;

        public long Cycles { get; set; } = -1;

        public long TotalCycles { get; set; } = -1;

        public long MaxFrequencyHz { get; set; } = -1;
    }
}
