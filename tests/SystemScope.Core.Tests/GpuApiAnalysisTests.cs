using SystemScope.Core.Analyses.Gpu;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Gpu;
using SystemScope.Core.Sessions;

namespace SystemScope.Core.Tests;

/// <summary>The GPU API tables on calls with known truth (the uprobes are tested against stand-in libraries elsewhere).</summary>
public sealed class GpuApiAnalysisTests
{
    [Fact]
    public void Calls_add_up_per_process_and_function_and_kernels_count_launches_by_name_or_stub()
    {
        var analysis = new GpuApiAnalysis(ProcessFilter.All);
        analysis.OnEvents([
            Call(7, "cuMemcpyHtoD_v2", GpuCallClass.CopyHostToDevice, 1000, bytes: 1 << 20),
            Call(7, "cuMemcpyHtoD_v2", GpuCallClass.CopyHostToDevice, 3000, bytes: 1 << 20, result: 700),
            Call(7, "cuLaunchKernel", GpuCallClass.Launch, 10, kernel: "vector_add"),
            Call(7, "cuLaunchKernel", GpuCallClass.Launch, 20, kernel: "vector_add"),
            Call(8, "cudaLaunchKernel", GpuCallClass.Launch, 5, vendor: "cudart", stub: 0x401000),
        ]);

        var copy = Row(analysis.Calls, r => (long)r["pid"] == 7 && (string)r["name"] == "cuMemcpyHtoD_v2");
        Assert.Equal(2L, copy["count"]);
        Assert.Equal(1L, copy["errors"]);
        Assert.Equal(4000L, copy["total_ns"]);
        Assert.Equal(3000L, copy["max_ns"]);
        Assert.Equal(2L << 20, copy["bytes"]);
        Assert.Equal("CopyHostToDevice", copy["class"]);
        Assert.Equal("cuMemcpyHtoD_v2", analysis.Calls.Rows[0][analysis.Calls.Columns.ToList().FindIndex(c => c.Name == "name")]); // busiest first

        Assert.Equal(2L, Row(analysis.Kernels, r => (string)r["kernel"] == "vector_add")["launches"]);
        Assert.Equal(1L, Row(analysis.Kernels, r => (string)r["kernel"] == "0x401000")["launches"]);
    }

    [Fact]
    public void A_process_without_libraries_has_a_note_until_one_is_found_and_a_pid_filter_keeps_its_own()
    {
        var analysis = new GpuApiAnalysis(ProcessFilter.ForPid(7));
        analysis.OnEvents([Library(7, string.Empty, "no accelerator library mapped"), Library(9, "/usr/lib/libcuda.so.1", string.Empty)]);
        Assert.Equal("no accelerator library mapped", Row(analysis.Libraries, r => (long)r["pid"] == 7)["note"]);
        Assert.Single(analysis.Libraries.Rows);

        analysis.OnEvents([Library(7, "/tmp/libcuda.so.1", string.Empty, "cuEventSynchronize")]);
        var row = Row(analysis.Libraries, r => (long)r["pid"] == 7);
        Assert.Equal("/tmp/libcuda.so.1", row["library"]);
        Assert.Equal("cuEventSynchronize", row["missing"]);
        Assert.Single(analysis.Libraries.Rows);

        analysis.OnEvents([Call(9, "cuLaunchKernel", GpuCallClass.Launch, 10)]);
        Assert.Empty(analysis.Calls.Rows);
    }

    private static Dictionary<string, object> Row(Models.Table.TableModel table, Func<Dictionary<string, object>, bool> where)
    {
        var columns = table.Columns.Select(c => c.Name).ToList();
        return table.Rows.Select(r => columns.Select((c, i) => (c, r[i])).ToDictionary(p => p.c, p => p.Item2)).Single(where);
    }

    private static Event<GpuApiCall> Call(int pid, string function, GpuCallClass callClass, long durationNs, long bytes = 0, int result = 0, string kernel = "", ulong stub = 0, string vendor = "cuda") =>
        new(new EventHeader(GpuApiCall.Kind, 1000, pid, pid) { DurationNs = durationNs },
            new GpuApiCall(vendor, function, callClass, kernel, stub, bytes, 0, 0, default, default, result, ReadOnlyMemory<ulong>.Empty) { ProcessName = "trainer" });

    private static Event<GpuLibraryStatus> Library(int pid, string path, string note, params string[] missing) =>
        new(new EventHeader(GpuLibraryStatus.Kind, 1000, pid, pid), new GpuLibraryStatus(path, path.Length > 0 ? "cuda" : string.Empty, 26, missing, note));
}
