using SystemScope.Core.Events.Accel;

namespace SystemScope.Core.Analyses.Accel;

/// <summary>
/// Busy shares from two readings of one DRM client's cumulative counters, the way
/// drm-usage-stats.rst says to compute them: Δns / (Δwall × capacity) for <c>drm-engine-*</c>;
/// Δcycles / (Δtotal-cycles × capacity) where the driver publishes a GPU timestamp (xe); else
/// Δcycles / (Δt × maxfreq). A counter lower than before keeps the earlier, larger value until it
/// catches up (the spec allows drivers to go backwards briefly).
/// </summary>
public sealed class DrmUtilisation
{
    private readonly Dictionary<(int Pid, string Client), Reading> _last = [];

    /// <summary>Clients remembered (one per process and client).</summary>
    public int Clients => _last.Count;

    /// <summary>A client key unique across drivers and devices: <c>amdgpu 0000:03:00.0 #7</c>.</summary>
    public static string ClientKey(in DrmClientUsage usage) => $"{usage.Driver} {usage.Device} #{usage.ClientId}";

    /// <summary>
    /// Busy percent per engine of this client since its previous reading (one entry per engine the
    /// driver publishes a rate for); empty for the first reading of a client.
    /// </summary>
    public IReadOnlyList<(string Engine, double Percent, long BusyNsDelta)> Update(int pid, long timestampNs, in DrmClientUsage usage)
    {
        var key = (pid, ClientKey(usage));
        var now = new Reading(timestampNs, usage.Engines.ToDictionary(e => e.Name, e => e, StringComparer.Ordinal));
        if (!_last.TryGetValue(key, out var before))
        {
            _last[key] = now;
            return [];
        }

        var wallNs = timestampNs - before.TimestampNs;
        var result = new List<(string, double, long)>();
        var kept = new Dictionary<string, DrmEngineCounters>(StringComparer.Ordinal);
        foreach (var engine in usage.Engines)
        {
            if (!before.Engines.TryGetValue(engine.Name, out var old))
            {
                kept[engine.Name] = engine;
                continue;
            }

            // Never step back: a smaller counter is held at the earlier value.
            var current = engine with
            {
                BusyNs = Math.Max(engine.BusyNs, old.BusyNs),
                Cycles = Math.Max(engine.Cycles, old.Cycles),
                TotalCycles = Math.Max(engine.TotalCycles, old.TotalCycles),
            };
            kept[engine.Name] = current;
            var capacity = Math.Max(1, current.Capacity);
            if (current.BusyNs >= 0 && old.BusyNs >= 0 && wallNs > 0)
            {
                var busy = current.BusyNs - old.BusyNs;
                result.Add((engine.Name, Clamp(100.0 * busy / ((double)wallNs * capacity)), busy));
            }
            else if (current.Cycles >= 0 && old.Cycles >= 0 && current.TotalCycles >= 0 && old.TotalCycles >= 0)
            {
                var total = current.TotalCycles - old.TotalCycles;
                result.Add((engine.Name, total > 0 ? Clamp(100.0 * (current.Cycles - old.Cycles) / ((double)total * capacity)) : 0, 0));
            }
            else if (current.Cycles >= 0 && old.Cycles >= 0 && current.MaxFrequencyHz > 0 && wallNs > 0)
            {
                var possible = current.MaxFrequencyHz * (wallNs / 1e9) * capacity;
                result.Add((engine.Name, Clamp(100.0 * (current.Cycles - old.Cycles) / possible), 0));
            }
        }

        _last[key] = new Reading(timestampNs, kept);
        return result;
    }

    /// <summary>Forgets clients not read since <paramref name="olderThanNs"/> (closed fds, exited processes).</summary>
    public void Forget(long olderThanNs)
    {
        foreach (var stale in _last.Where(p => p.Value.TimestampNs < olderThanNs).Select(p => p.Key).ToList())
        {
            _last.Remove(stale);
        }
    }

    public void Reset() => _last.Clear();

    private static double Clamp(double percent) => Math.Round(Math.Clamp(percent, 0, 100), 3);

    private sealed record Reading(long TimestampNs, Dictionary<string, DrmEngineCounters> Engines);
}
