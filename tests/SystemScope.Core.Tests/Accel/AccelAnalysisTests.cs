using SystemScope.Core.Analyses.Accel;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Accel;
using SystemScope.Core.Models.TimeSeries;
using SystemScope.Core.Sessions;

namespace SystemScope.Core.Tests.Accel;

/// <summary>The accel models from readings with known truth: busy shares, session totals, memory, NVML tables.</summary>
public sealed class AccelAnalysisTests
{
    private const long Second = 1_000_000_000;
    private const long MiB = 1024 * 1024;

    [Fact]
    public void Two_readings_give_busy_share_per_process_and_engine_and_the_session_total()
    {
        var analysis = new AccelAnalysis(ProcessFilter.All);
        analysis.OnEvents([Drm(Second, 100, "trainer", busyNs: 0, vramMiB: 100)]);
        analysis.OnEvents([Drm(2 * Second, 100, "trainer", busyNs: Second * 3 / 4, vramMiB: 300), Drm(2 * Second, 200, "other", busyNs: 5, vramMiB: 1)]);

        var columns = analysis.Models.OfType<Models.Table.TableModel>().Single(m => m.Descriptor.Id == "accel.drm.clients").Columns.Select(c => c.Name).ToList();
        var table = analysis.Models.OfType<Models.Table.TableModel>().Single(m => m.Descriptor.Id == "accel.drm.clients");
        var row = table.Rows.Single(r => (long)r[columns.IndexOf("pid")] == 100);
        Assert.Equal(Second * 3 / 4, row[columns.IndexOf("busy")]);
        Assert.Equal(75.0, row[columns.IndexOf("busyPct")]);
        Assert.Equal(300 * MiB, row[columns.IndexOf("memory")]);
        Assert.Equal(2L, row[columns.IndexOf("fds")]);
        Assert.Equal(2, table.Rows.Count);

        var busy = Series(analysis, "accel.drm.busy");
        Assert.Contains("\"label\":\"trainer (100) amdgpu gfx\"", busy, StringComparison.Ordinal);
        Assert.Contains("[75]", busy, StringComparison.Ordinal);
        var memory = Series(analysis, "accel.drm.memory");
        Assert.Contains("[100,300]", memory, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pid_filter_keeps_only_its_processes()
    {
        var analysis = new AccelAnalysis(new ProcessFilter { Pids = [200] });
        analysis.OnEvents([Drm(Second, 100, "trainer", 0, 1), Drm(Second, 200, "other", 0, 1)]);

        var table = analysis.Models.OfType<Models.Table.TableModel>().Single(m => m.Descriptor.Id == "accel.drm.clients");
        Assert.Equal(200L, Assert.Single(table.Rows)[0]);
    }

    [Fact]
    public void Nvml_readings_fill_the_gpu_table_with_reasons_by_name_and_leave_unknowns_out_of_series()
    {
        var analysis = new AccelAnalysis(ProcessFilter.All);
        var header = new EventHeader(NvmlDeviceSample.Kind, Second, 0, 0) { DurationNs = Second };
        analysis.OnEvents([
            new Event<NvmlDeviceSample>(header, new NvmlDeviceSample(0, "G0", 37, 12, 5 * MiB, 80 * MiB, 215.5, 61, 1755, 2619, 1000, 2000, 0x4 | 0x20)),
            new Event<NvmlDeviceSample>(header, new NvmlDeviceSample(1, "G1", -1, -1, MiB, 80 * MiB, -1, 40, 210, 405, -1, -1, -1)),
        ]);

        var gpus = analysis.Models.OfType<Models.Table.TableModel>().Single(m => m.Descriptor.Id == "accel.nvml.gpus");
        Assert.Equal("SwPowerCap,SwThermalSlowdown", gpus.Rows[0][^1]);
        Assert.Equal(string.Empty, gpus.Rows[1][^1]);
        var power = Series(analysis, "accel.nvml.power");
        Assert.Contains("\"name\":\"gpu0\"", power, StringComparison.Ordinal);
        Assert.DoesNotContain("\"name\":\"gpu1\"", power, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0L, "none")]
    [InlineData(-1L, "")]
    [InlineData(0x1L, "GpuIdle")]
    [InlineData(0x180L, "HwPowerBrakeSlowdown,DisplayClockSetting")]
    [InlineData(0x1008L, "HwSlowdown,0x1000")]
    public void Clock_event_reasons_are_named_as_nvml_h_names_them(long reasons, string expected) =>
        Assert.Equal(expected, NvmlClockEventReasons.Describe(reasons));

    private static Event<DrmClientUsage> Drm(long at, int pid, string name, long busyNs, long vramMiB) =>
        new(new EventHeader(DrmClientUsage.Kind, at, pid, pid) { DurationNs = Second },
            new DrmClientUsage(name, "amdgpu", "0000:03:00.0", 7, 2, [new DrmEngineCounters("gfx", busyNs, 1, -1, -1, -1)], [new DrmRegionMemory("vram", -1, -1, vramMiB * MiB, -1, -1)]));

    private static string Series(AccelAnalysis analysis, string id)
    {
        var model = analysis.Models.OfType<TimeSeriesModel>().Single(m => m.Descriptor.Id == id);
        using var stream = new MemoryStream();
        using (var json = new System.Text.Json.Utf8JsonWriter(stream))
        {
            model.Write(json, new Models.ModelRequest(null, null, 0));
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
