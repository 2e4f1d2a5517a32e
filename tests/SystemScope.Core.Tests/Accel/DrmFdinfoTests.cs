using SystemScope.Core.Events.Accel;

namespace SystemScope.Core.Tests.Accel;

/// <summary>The fdinfo parser on each driver's documented output: every value exact, in ns, bytes and Hz.</summary>
public sealed class DrmFdinfoTests
{
    private const long KiB = 1024;
    private const long MiB = 1024 * 1024;

    [Fact]
    public void Amdgpu_engine_regions_and_the_deprecated_memory_alias()
    {
        var r = Parse(DrmFdinfoFixtures.Amdgpu);
        Assert.Equal(("amdgpu", "0000:04:00.0", 4L), (r.Driver, r.PciDevice, r.ClientId));
        var compute = Assert.Single(r.Engines);
        Assert.Equal(new DrmEngineCounters("compute", 46464671, 1, -1, -1, -1), compute);
        Assert.Equal(["cpu", "gtt", "vram"], r.Regions.Select(x => x.Name).Order());
        Assert.Equal(new DrmRegionMemory("vram", 44564 * KiB, 31952 * KiB, 44564 * KiB, 0, 0), Region(r, "vram"));
        Assert.Equal(2392 * KiB, Region(r, "gtt").ResidentBytes);
    }

    [Fact]
    public void I915_engines_in_ns_with_a_capacity_of_two_video_engines()
    {
        var r = Parse(DrmFdinfoFixtures.I915);
        Assert.Equal(("i915", "0000:00:02.0", 7L), (r.Driver, r.PciDevice, r.ClientId));
        Assert.Equal(["render", "copy", "video", "video-enhance"], r.Engines.Select(e => e.Name));
        Assert.Equal(9288864723, Engine(r, "render").BusyNs);
        Assert.Equal(2035071108, Engine(r, "copy").BusyNs);
        Assert.Equal(2, Engine(r, "video").Capacity);
        Assert.Equal(1, Engine(r, "render").Capacity);
        Assert.Empty(r.Regions);
    }

    [Fact]
    public void Xe_cycles_against_total_cycles_and_regions_in_KiB_and_MiB()
    {
        var r = Parse(DrmFdinfoFixtures.Xe);
        Assert.Equal(("xe", "0000:03:00.0", 3L), (r.Driver, r.PciDevice, r.ClientId));
        Assert.Equal(["rcs", "bcs", "vcs", "vecs", "ccs"], r.Engines.Select(e => e.Name));
        Assert.Equal(new DrmEngineCounters("rcs", -1, 1, 28257900, 7655183225, -1), Engine(r, "rcs"));
        Assert.Equal(4, Engine(r, "ccs").Capacity);
        Assert.Equal(new DrmRegionMemory("vram0", 23992 * KiB, 16 * MiB, 23992 * KiB, -1, 0), Region(r, "vram0"));
        Assert.Equal(["gtt", "stolen", "system", "vram0"], r.Regions.Select(x => x.Name).Order());
    }

    [Fact]
    public void Msm_one_gpu_engine_with_cycles_and_max_frequency()
    {
        var r = Parse(DrmFdinfoFixtures.Msm);
        Assert.Equal(("msm", null, 7L), (r.Driver, r.PciDevice, r.ClientId));
        Assert.Equal(new DrmEngineCounters("gpu", 1734371319, 1, 1153645024, -1, 800000000), Assert.Single(r.Engines));
    }

    [Fact]
    public void Panfrost_two_job_slots_and_every_memory_figure_of_region_memory()
    {
        var r = Parse(DrmFdinfoFixtures.Panfrost);
        Assert.Equal(("panfrost", 14L), (r.Driver, r.ClientId));
        Assert.Equal(new DrmEngineCounters("fragment", 1846584880, 1, 1424359409, -1, 799999987), Engine(r, "fragment"));
        Assert.Equal(new DrmEngineCounters("vertex-tiler", 71932239, 1, 52617357, -1, 799999987), Engine(r, "vertex-tiler"));
        Assert.Equal(new DrmRegionMemory("memory", 290 * MiB, 0, 36496 * KiB, 128 * KiB, 226 * MiB), Assert.Single(r.Regions));
    }

    [Fact]
    public void V3d_queues_as_engines_and_its_own_keys_skipped()
    {
        var r = Parse(DrmFdinfoFixtures.V3d);
        Assert.Equal(["bin", "render", "tfu", "csd", "cache_clean"], r.Engines.Select(e => e.Name));
        Assert.Equal(98765432, Engine(r, "render").BusyNs);
        Assert.Equal(12 * MiB, Assert.Single(r.Regions).ResidentBytes);
    }

    [Fact]
    public void Ivpu_npu_has_memory_only()
    {
        var r = Parse(DrmFdinfoFixtures.Ivpu);
        Assert.Equal(("intel_vpu", "0000:00:0b.0", 2L), (r.Driver, r.PciDevice, r.ClientId));
        Assert.Empty(r.Engines);
        Assert.Equal(18240 * KiB, Assert.Single(r.Regions).Bytes);
    }

    [Fact]
    public void Amdxdna_npu_busy_time_and_memory_without_resident_falls_back_to_total()
    {
        var r = Parse(DrmFdinfoFixtures.Amdxdna);
        Assert.Equal(("amdxdna_accel_driver", "0000:c4:00.1", 5L), (r.Driver, r.PciDevice, r.ClientId));
        Assert.Equal(7000000, Assert.Single(r.Engines).BusyNs);
        var memory = Assert.Single(r.Regions);
        Assert.Equal(-1, memory.ResidentBytes);
        Assert.Equal(2048 * KiB, memory.Bytes);
    }

    [Theory]
    [InlineData(DrmFdinfoFixtures.NotDrm)]
    [InlineData("")]
    [InlineData("drm-engine-gfx: 5 ns\n")]
    public void Text_without_a_driver_line_is_not_a_client(string text) => Assert.False(DrmFdinfo.TryParse(text, out _));

    [Fact]
    public void Garbage_values_are_skipped_not_guessed()
    {
        var r = Parse("drm-driver:\tx\ndrm-client-id:\tabc\ndrm-engine-gfx:\tlots ns\ndrm-engine-dma:\t12 ns\ndrm-engine-capacity-dma:\t0\nnot a line\n:\n");
        Assert.Equal(-1, r.ClientId);
        Assert.Equal(new DrmEngineCounters("dma", 12, 1, -1, -1, -1), Assert.Single(r.Engines));
    }

    private static DrmFdinfoReading Parse(string text)
    {
        Assert.True(DrmFdinfo.TryParse(text, out var reading), text);
        return reading;
    }

    private static DrmEngineCounters Engine(DrmFdinfoReading r, string name) => r.Engines.Single(e => e.Name == name);

    private static DrmRegionMemory Region(DrmFdinfoReading r, string name) => r.Regions.Single(e => e.Name == name);
}
