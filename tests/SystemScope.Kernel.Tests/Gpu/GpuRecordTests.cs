using System.Globalization;
using SystemScope.Kernel.Tests.EndToEnd;
using SystemScope.Kernel.Tests.Infrastructure;

namespace SystemScope.Kernel.Tests.Gpu;

/// <summary>
/// <c>systemscope record gpu</c> against the stand-in accelerator libraries and the driver program: per step
/// one 1 MiB host-to-device copy, 4 kernel launches, one synchronisation, one device-to-host copy. The real
/// uprobes, argument decoding, name maps and timeline spans run; counts and bytes are exact.
/// </summary>
[Collection(KernelCollection.Name)]
public sealed class GpuRecordTests
{
    private const long Mib = 1024 * 1024;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    /// <summary>Per API: the functions of one step (copy in, launch, synchronise, copy out) and of setup.</summary>
    public static TheoryData<string> OtherVendors => new() { "cudart", "hip", "levelzero", "opencl" };

    [AgentFact]
    public void An_already_running_cuda_program_is_traced_exactly_with_kernel_names_and_waiting_on_gpu()
    {
        const int steps = 10, syncUs = 30_000;
        using var driver = StandInLibraries.StartDriver("cuda", StandInLibraries.Library("cuda"), steps, syncUs, "wait-probes");

        var run = GpuRecording.Parse(Record(driver.Pid));

        var pid = driver.Pid;
        Assert.Equal(4 * steps, run.Count(pid, "cuLaunchKernel"));
        Assert.Equal(steps, run.Count(pid, "cuMemcpyHtoD_v2"));
        Assert.Equal(steps * Mib, run.Bytes(pid, "cuMemcpyHtoD_v2"));
        Assert.Equal(steps, run.Count(pid, "cuMemcpyDtoH_v2"));
        Assert.Equal(steps * Mib, run.Bytes(pid, "cuMemcpyDtoH_v2"));
        Assert.Equal("CopyHostToDevice", run.Call(pid, "cuMemcpyHtoD_v2")["class"].GetString());
        Assert.Equal(steps, run.Count(pid, "cuStreamSynchronize"));
        Assert.Equal(2, run.Count(pid, "cuModuleGetFunction"));
        Assert.Equal(1, run.Count(pid, "cuMemAlloc_v2"));
        Assert.Equal(Mib, run.Bytes(pid, "cuMemAlloc_v2"));
        Assert.Equal(1, run.Count(pid, "cuMemFree_v2"));

        // Each synchronisation sleeps syncUs in the stand-in: the total is that, plus scheduling delays.
        var syncNs = run.Call(pid, "cuStreamSynchronize")["total_ns"].GetInt64();
        Assert.InRange(syncNs, steps * syncUs * 1000L, steps * syncUs * 1000L * 3);

        Assert.Equal(new Dictionary<string, long> { ["vector_add"] = 2 * steps, ["scale_kernel"] = 2 * steps }, run.Kernels(pid));

        // The thread's blocked time reads as waiting on the GPU, in the synchronisation, on its stream.
        // (The timeline labels a span "NAME DETAIL": "in cuStreamSynchronize stream 0x… (waiting on GPU)".)
        var waiting = run.Reasons(pid).Where(r => r.Key.StartsWith("in cuStreamSynchronize ", StringComparison.Ordinal) &&
            r.Key.Contains("stream 0x", StringComparison.Ordinal) && r.Key.EndsWith("(waiting on GPU)", StringComparison.Ordinal)).ToList();
        Assert.True(waiting.Count == 1, string.Join("\n", run.Reasons(pid).Select(r => $"{r.Key}: {r.Value}")) + "\n" + run.Result);
        Assert.InRange(waiting[0].Value, steps * syncUs * 1000L * 8 / 10, steps * syncUs * 1000L * 3);

        var library = Assert.Single(run.Rows("gpu.libraries"), r => r["pid"].GetInt32() == pid);
        Assert.Equal("cuda", library["vendor"].GetString());
        Assert.Equal(string.Empty, library["missing"].GetString());
    }

    [AgentTheory]
    [MemberData(nameof(OtherVendors))]
    public void Every_api_is_counted_with_exact_bytes(string vendor)
    {
        const int steps = 8;
        using var driver = StandInLibraries.StartDriver(vendor, StandInLibraries.Library(vendor), steps, 5_000, "wait-probes");

        var run = GpuRecording.Parse(Record(driver.Pid));

        var pid = driver.Pid;
        var (copyIn, launch, sync, copyOut) = vendor switch
        {
            "cudart" => ("cudaMemcpy", "cudaLaunchKernel", "cudaStreamSynchronize", "cudaMemcpy"),
            "hip" => ("hipMemcpy", "hipLaunchKernel", "hipStreamSynchronize", "hipMemcpy"),
            "levelzero" => ("zeCommandListAppendMemoryCopy", "zeCommandListAppendLaunchKernel", "zeFenceHostSynchronize", "zeCommandListAppendMemoryCopy"),
            _ => ("clEnqueueWriteBuffer", "clEnqueueNDRangeKernel", "clFinish", "clEnqueueReadBuffer"),
        };
        Assert.Equal(4 * steps, run.Count(pid, launch));
        Assert.Equal(steps, run.Count(pid, sync));
        var copies = copyIn == copyOut ? 2 * steps : steps;
        Assert.Equal(copies, run.Count(pid, copyIn));
        Assert.Equal(copies * Mib, run.Bytes(pid, copyIn));
        if (copyIn != copyOut)
        {
            Assert.Equal(steps, run.Count(pid, copyOut));
            Assert.Equal(steps * Mib, run.Bytes(pid, copyOut));
        }

        var kernels = run.Kernels(pid);
        switch (vendor)
        {
            case "levelzero":
                Assert.Equal(4 * steps, kernels["ze_vector_add"]);
                Assert.Equal(steps, run.Count(pid, "zeCommandQueueExecuteCommandLists"));
                break;
            case "opencl":
                Assert.Equal(4 * steps, kernels["cl_vector_add"]);
                Assert.Equal(Mib, run.Bytes(pid, "clCreateBuffer"));
                break;
            default:
                // The runtime APIs name a kernel by its host stub: the driver's two stubs, two launches each per step.
                Assert.Equal(2 * steps, kernels[Hex(driver.Address("stub_a"))]);
                Assert.Equal(2 * steps, kernels[Hex(driver.Address("stub_b"))]);
                break;
        }
    }

    [AgentFact]
    public void A_library_loaded_after_the_session_started_is_traced()
    {
        const int steps = 6;
        using var driver = StandInLibraries.StartDriver("cuda", StandInLibraries.Library("cuda"), steps, 5_000, "late", "wait-probes");
        using var agent = AgentBinary.StartBackground("record", "gpu", "--pid", Pid(driver.Pid), "--duration", "90", "--format", "json");
        agent.WaitForStderr("Recording", Patience);
        Assert.DoesNotContain(File.ReadAllText($"/proc/{driver.Pid}/maps"), "libcuda", StringComparison.Ordinal);

        driver.WriteLine("load");

        Assert.Equal(0, agent.WaitForExit(Patience));
        var run = GpuRecording.Parse(new CliResult(0, agent.Stdout, agent.Stderr));
        Assert.Equal(4 * steps, run.Count(driver.Pid, "cuLaunchKernel"));
        Assert.Equal(steps * Mib, run.Bytes(driver.Pid, "cuMemcpyHtoD_v2"));
        Assert.Equal(steps, run.Count(driver.Pid, "cuStreamSynchronize"));
        Assert.Equal(2 * steps, run.Kernels(driver.Pid)["vector_add"]);
    }

    [AgentFact]
    public void A_library_missing_a_symbol_is_traced_and_the_missing_one_is_reported()
    {
        const int steps = 5;
        using var driver = StandInLibraries.StartDriver("cuda", StandInLibraries.Library("cuda", "STANDIN_WITHOUT_EVENT_SYNC"), steps, 5_000, "wait-probes");

        var run = GpuRecording.Parse(Record(driver.Pid));

        Assert.Equal(4 * steps, run.Count(driver.Pid, "cuLaunchKernel"));
        Assert.Equal(steps, run.Count(driver.Pid, "cuStreamSynchronize"));
        var library = Assert.Single(run.Rows("gpu.libraries"), r => r["pid"].GetInt32() == driver.Pid);
        Assert.Equal("cuEventSynchronize", library["missing"].GetString());
        Assert.True(library["probes"].GetInt64() > 20, run.Result.ToString());
    }

    [AgentFact]
    public void A_process_without_accelerator_libraries_gives_an_empty_table_and_a_note()
    {
        using var plain = Workloads.Start("work_sleep", "30");

        var run = GpuRecording.Parse(AgentBinary.Run(Patience, "record", "gpu", "--pid", Pid(plain.Pid), "--duration", "2", "--format", "json"));

        Assert.Empty(run.Rows("gpu.calls"));
        var note = Assert.Single(run.Rows("gpu.libraries"));
        Assert.Equal(plain.Pid, note["pid"].GetInt32());
        Assert.Contains("no accelerator library mapped", note["note"].GetString(), StringComparison.Ordinal);

        var table = AgentBinary.Run(Patience, "record", "gpu", "--pid", Pid(plain.Pid), "--duration", "1");
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("no accelerator library mapped", table.Stdout, StringComparison.Ordinal);
    }

    [AgentFact]
    public void A_process_that_exits_in_a_synchronisation_keeps_its_finished_calls()
    {
        // Steps 1 and 2 complete; step 3 exits halfway through its synchronisation.
        using var driver = StandInLibraries.StartDriver("cuda", StandInLibraries.Library("cuda"), 5, 400_000, "wait-probes", "exit-in-step=3");

        var run = GpuRecording.Parse(Record(driver.Pid));

        Assert.Equal(12, run.Count(driver.Pid, "cuLaunchKernel"));
        Assert.Equal(3, run.Count(driver.Pid, "cuMemcpyHtoD_v2"));
        Assert.Equal(2, run.Count(driver.Pid, "cuStreamSynchronize"));
        Assert.Equal(2, run.Count(driver.Pid, "cuMemcpyDtoH_v2"));
    }

    [AgentFact]
    public void A_library_replaced_on_disk_while_mapped_is_traced_in_the_mapped_file()
    {
        const int steps = 5;
        var library = StandInLibraries.CopyOf("cuda");
        using var driver = StandInLibraries.StartDriver("cuda", library, steps, 5_000, "wait-probes");

        // An upgrade: a new file takes the name; the process keeps the old one mapped.
        var replacement = library + ".new";
        File.Copy(StandInLibraries.Library("cuda", "STANDIN_WITHOUT_EVENT_SYNC"), replacement);
        File.Move(replacement, library, overwrite: true);
        Assert.Contains(library + " (deleted)", File.ReadAllText($"/proc/{driver.Pid}/maps"), StringComparison.Ordinal);

        var run = GpuRecording.Parse(Record(driver.Pid));

        Assert.Equal(4 * steps, run.Count(driver.Pid, "cuLaunchKernel"));
        Assert.Equal(steps * Mib, run.Bytes(driver.Pid, "cuMemcpyDtoH_v2"));
        var row = Assert.Single(run.Rows("gpu.libraries"), r => r["pid"].GetInt32() == driver.Pid);
        Assert.Contains("replaced or deleted on disk", row["note"].GetString(), StringComparison.Ordinal);
        Assert.Equal(string.Empty, row["missing"].GetString()); // the mapped file, not the new one, was read
    }

    /// <summary>Records the process until it exits (the driver ends after its steps).</summary>
    private static CliResult Record(int pid) =>
        AgentBinary.Run(Patience, "record", "gpu", "--pid", Pid(pid), "--duration", "90", "--format", "json");

    private static string Pid(int pid) => pid.ToString(CultureInfo.InvariantCulture);

    private static string Hex(ulong address) => "0x" + address.ToString("x", CultureInfo.InvariantCulture);
}
