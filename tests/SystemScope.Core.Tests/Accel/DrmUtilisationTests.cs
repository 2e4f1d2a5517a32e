using SystemScope.Core.Analyses.Accel;
using SystemScope.Core.Events.Accel;

namespace SystemScope.Core.Tests.Accel;

/// <summary>Busy shares from two readings, by each of the three formulas drm-usage-stats.rst gives.</summary>
public sealed class DrmUtilisationTests
{
    private const long Second = 1_000_000_000;

    [Fact]
    public void Nanoseconds_over_wall_time_divided_by_capacity()
    {
        var u = new DrmUtilisation();
        Assert.Empty(u.Update(7, 0, Client(("render", 1_000, 1, -1, -1, -1), ("video", 0, 2, -1, -1, -1))));
        var rates = u.Update(7, 2 * Second, Client(("render", 1_000 + (Second / 2), 1, -1, -1, -1), ("video", 2 * Second, 2, -1, -1, -1)));
        Assert.Equal([("render", 25.0, Second / 2), ("video", 50.0, 2 * Second)], rates);
    }

    [Fact]
    public void Cycles_over_total_cycles_stay_in_the_gpu_clock_domain()
    {
        var u = new DrmUtilisation();
        u.Update(3, 0, Client(("rcs", -1, 1, 28257900, 7655183225, -1), ("ccs", -1, 4, 0, 7655183225, -1)));
        // The wall clock plays no part: 3 s of CPU time, 1000 GPU ticks.
        var rates = u.Update(3, 3 * Second, Client(("rcs", -1, 1, 28257900 + 250, 7655183225 + 1000, -1), ("ccs", -1, 4, 2000, 7655183225 + 1000, -1)));
        Assert.Equal([("rcs", 25.0, 0L), ("ccs", 50.0, 0L)], rates);
    }

    [Fact]
    public void Cycles_over_max_frequency_when_there_is_no_busy_time()
    {
        var u = new DrmUtilisation();
        u.Update(9, 0, Client(("gpu", -1, 1, 1_000, -1, 800_000_000)));
        var rates = u.Update(9, Second, Client(("gpu", -1, 1, 1_000 + 200_000_000, -1, 800_000_000)));
        Assert.Equal([("gpu", 25.0, 0L)], rates);
    }

    [Fact]
    public void A_counter_that_goes_back_is_held_at_the_larger_value_until_it_catches_up()
    {
        var u = new DrmUtilisation();
        u.Update(1, 0, Client(("gfx", 5 * Second, 1, -1, -1, -1)));
        Assert.Equal([("gfx", 0.0, 0L)], u.Update(1, Second, Client(("gfx", 4 * Second, 1, -1, -1, -1))));
        Assert.Equal([("gfx", 50.0, Second / 2)], u.Update(1, 2 * Second, Client(("gfx", (5 * Second) + (Second / 2), 1, -1, -1, -1))));
    }

    [Fact]
    public void Clients_are_kept_apart_per_process_device_and_id_and_forgotten_when_stale()
    {
        var u = new DrmUtilisation();
        u.Update(1, 0, Client(("gfx", 0, 1, -1, -1, -1)));
        u.Update(2, 0, Client(("gfx", 0, 1, -1, -1, -1)));
        Assert.Equal(2, u.Clients);
        u.Update(1, 10 * Second, Client(("gfx", Second, 1, -1, -1, -1)));
        u.Forget(5 * Second);
        Assert.Equal(1, u.Clients);
    }

    private static DrmClientUsage Client(params (string Name, long Ns, int Capacity, long Cycles, long Total, long MaxHz)[] engines) =>
        new("proc", "drv", "0000:01:00.0", 42, 1, [.. engines.Select(e => new DrmEngineCounters(e.Name, e.Ns, e.Capacity, e.Cycles, e.Total, e.MaxHz))], []);
}
