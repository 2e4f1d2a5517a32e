using System.Runtime.InteropServices;
using SystemScope.Bpf.Interop;

namespace SystemScope.Bpf;

/// <summary>One kernel capability, as a probe found it: stable id, whether it works, and why or how.</summary>
public sealed record KernelFeature(string Id, bool Available, string Detail);

/// <summary>
/// Probes what this kernel lets an eBPF tool do, by trying it (loading a two-instruction program,
/// attaching it, opening an event) rather than by reading version numbers. Every probe releases what
/// it created before returning.
/// </summary>
public static unsafe class KernelFeatures
{
    public const string Btf = "btf";
    public const string RingBuffer = "ringbuf";
    public const string PerfEventProgram = "perf_event";
    public const string TpBtf = "tp_btf";
    public const string RawTracepoint = "raw_tp";
    public const string Fentry = "fentry";
    public const string Kprobe = "kprobe";
    public const string Uprobe = "uprobe";
    public const string Tracefs = "tracefs";
    public const string Bpffs = "bpffs";
    public const string CpuClock = "perf_cpu_clock";

    private const string VmlinuxBtfPath = "/sys/kernel/btf/vmlinux";

    // r0 = 0; exit
    private static readonly ulong[] ReturnZero = [0xb7, 0x95];

    public static IReadOnlyList<KernelFeature> Probe()
    {
        LibbpfLog.Install();
        var mounts = ReadMounts();
        var btf = LoadVmlinuxBtf(out var btfError);
        try
        {
            return
            [
                Guard(Btf, () => File.Exists(VmlinuxBtfPath)
                    ? new KernelFeature(Btf, btf != 0, btf != 0 ? VmlinuxBtfPath : $"{VmlinuxBtfPath} is unreadable: {btfError}")
                    : new KernelFeature(Btf, false, $"{VmlinuxBtfPath} is missing: kernel built without CONFIG_DEBUG_INFO_BTF")),
                Guard(RingBuffer, () => LibbpfProbe(RingBuffer, Libbpf.ProbeMapType(27, null), "BPF_MAP_TYPE_RINGBUF")),
                Guard(PerfEventProgram, () => LibbpfProbe(PerfEventProgram, Libbpf.ProbeProgType(BpfConstants.ProgTypePerfEvent, null), "BPF_PROG_TYPE_PERF_EVENT")),
                Guard(TpBtf, () => ProbeTracing(TpBtf, btf, "sched_process_exec", "btf_trace_sched_process_exec", BpfConstants.BtfKindTypedef, BpfConstants.AttachTraceRawTp)),
                Guard(RawTracepoint, ProbeRawTracepoint),
                Guard(Fentry, () => ProbeTracing(Fentry, btf, "do_nanosleep", "do_nanosleep", BpfConstants.BtfKindFunc, BpfConstants.AttachTraceFentry)),
                Guard(Kprobe, () => ProbePmu(Kprobe, "kprobe", "CONFIG_KPROBES")),
                Guard(Uprobe, () => ProbePmu(Uprobe, "uprobe", "CONFIG_UPROBE_EVENTS")),
                Guard(Tracefs, () => ProbeMount(Tracefs, mounts, "tracefs", "mount -t tracefs nodev /sys/kernel/tracing")),
                Guard(Bpffs, () => ProbeMount(Bpffs, mounts, "bpf", "mount -t bpf bpf /sys/fs/bpf")),
                Guard(CpuClock, ProbeCpuClock),
            ];
        }
        finally
        {
            if (btf != 0)
            {
                Libbpf.BtfFree(btf);
            }
        }
    }

    private static KernelFeature Guard(string id, Func<KernelFeature> probe)
    {
        try
        {
            return probe();
        }
        catch (Exception ex) when (ex is BpfException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return new KernelFeature(id, false, $"probe failed: {ex.Message}");
        }
    }

    private static KernelFeature LibbpfProbe(string id, int result, string what) => result switch
    {
        1 => new KernelFeature(id, true, what),
        // libbpf's probes load a program or create a map: without privilege every answer is "no".
        0 when !Environment.IsPrivilegedProcess => new KernelFeature(id, false, $"{what}: cannot be probed without root (or CAP_BPF)"),
        0 => new KernelFeature(id, false, $"{what} is not supported by this kernel"),
        _ => new KernelFeature(id, false, $"{what}: probe failed: {Errno.Describe(result)}"),
    };

    /// <summary>Loads a BTF-typed tracing program against the BTF type <paramref name="btfName"/> and attaches it.</summary>
    private static KernelFeature ProbeTracing(string id, nint btf, string target, string btfName, uint kind, uint attachType)
    {
        if (btf == 0)
        {
            return new KernelFeature(id, false, "needs kernel BTF, which is unavailable");
        }

        var name = BpfObjectHandle.AllocCString(btfName);
        int btfId;
        try
        {
            btfId = Libbpf.BtfFindByNameKind(btf, name, kind);
        }
        finally
        {
            NativeMemory.Free(name);
        }

        if (btfId <= 0)
        {
            return new KernelFeature(id, false, $"{btfName} is not in the kernel's BTF");
        }

        var prog = LoadTiny(id, BpfConstants.ProgTypeTracing, attachType, (uint)btfId, out var failure);
        if (prog < 0)
        {
            return new KernelFeature(id, false, failure);
        }

        try
        {
            var link = Libbpf.RawTracepointOpen(null, prog);
            if (link < 0)
            {
                return new KernelFeature(id, false, $"loads, but attaching to {target} fails: {Errno.Describe(link)}");
            }

            Libc.Close(link);
            return new KernelFeature(id, true, $"loaded and attached to {target}");
        }
        finally
        {
            Libc.Close(prog);
        }
    }

    private static KernelFeature ProbeRawTracepoint()
    {
        var prog = LoadTiny(RawTracepoint, BpfConstants.ProgTypeRawTracepoint, 0, 0, out var failure);
        if (prog < 0)
        {
            return new KernelFeature(RawTracepoint, false, failure);
        }

        var name = BpfObjectHandle.AllocCString("sched_process_exec");
        try
        {
            var link = Libbpf.RawTracepointOpen(name, prog);
            if (link < 0)
            {
                return new KernelFeature(RawTracepoint, false, $"loads, but attaching to sched_process_exec fails: {Errno.Describe(link)}");
            }

            Libc.Close(link);
            return new KernelFeature(RawTracepoint, true, "loaded and attached to sched_process_exec");
        }
        finally
        {
            NativeMemory.Free(name);
            Libc.Close(prog);
        }
    }

    private static int LoadTiny(string id, int progType, uint attachType, uint attachBtfId, out string failure)
    {
        const int logSize = 64 * 1024;
        var log = (byte*)NativeMemory.AllocZeroed(logSize);
        var name = BpfObjectHandle.AllocCString("ss_probe");
        var license = BpfObjectHandle.AllocCString("GPL");
        try
        {
            var opts = new BpfProgLoadOpts
            {
                Size = (nuint)sizeof(BpfProgLoadOpts),
                ExpectedAttachType = attachType,
                AttachBtfId = attachBtfId,
                LogLevel = 1,
                LogSize = logSize,
                LogBuf = log,
            };
            fixed (ulong* insns = ReturnZero)
            {
                var fd = Libbpf.ProgLoad(progType, name, license, insns, (nuint)ReturnZero.Length, &opts);
                if (fd >= 0)
                {
                    failure = string.Empty;
                    return fd;
                }

                var verifier = (Marshal.PtrToStringUTF8((nint)log) ?? string.Empty).Trim();
                failure = fd == -Errno.EPERM || fd == -Errno.EACCES
                    ? $"refused by the kernel at load: {Errno.Describe(fd)}"
                    : $"load failed: {Errno.Describe(fd)}";
                if (verifier.Length > 0)
                {
                    failure += $": {verifier.ReplaceLineEndings(" ")}";
                }

                return -1;
            }
        }
        finally
        {
            NativeMemory.Free(log);
            NativeMemory.Free(name);
            NativeMemory.Free(license);
        }
    }

    /// <summary>kprobes and uprobes are attached through their dynamic PMU; without it they cannot work.</summary>
    private static KernelFeature ProbePmu(string id, string pmu, string config)
    {
        var path = $"/sys/bus/event_source/devices/{pmu}/type";
        if (!File.Exists(path))
        {
            return new KernelFeature(id, false, $"no {pmu} PMU ({path} is missing: kernel built without {config}?)");
        }

        return Libbpf.ProbeProgType(BpfConstants.ProgTypeKprobe, null) == 1
            ? new KernelFeature(id, true, $"{pmu} PMU type {File.ReadAllText(path).Trim()}")
            : new KernelFeature(id, false, $"{pmu} PMU present but BPF_PROG_TYPE_KPROBE does not load");
    }

    private static KernelFeature ProbeMount(string id, IReadOnlyList<(string Type, string Path)> mounts, string type, string howTo)
    {
        foreach (var (mountType, path) in mounts)
        {
            if (mountType == type)
            {
                return new KernelFeature(id, true, $"mounted at {path}");
            }
        }

        return new KernelFeature(id, false, $"not mounted (as root: {howTo})");
    }

    private static KernelFeature ProbeCpuClock()
    {
        var cpu = Cpus.Online() is [var first, ..] ? first : 0;
        using var perf = PerfEventHandle.OpenCpuClock(cpu, 99);
        return new KernelFeature(CpuClock, true, $"software cpu-clock sampling opens on cpu {cpu}");
    }

    private static nint LoadVmlinuxBtf(out string error)
    {
        var btf = Libbpf.BtfLoadVmlinux();
        error = btf == 0 ? Errno.Describe(Marshal.GetLastPInvokeError()) : string.Empty;
        return btf;
    }

    private static List<(string Type, string Path)> ReadMounts()
    {
        var mounts = new List<(string, string)>();
        try
        {
            foreach (var line in File.ReadLines("/proc/self/mounts"))
            {
                var fields = line.Split(' ');
                if (fields.Length > 2)
                {
                    mounts.Add((fields[2], fields[1]));
                }
            }
        }
        catch (IOException)
        {
            // No /proc: every mount probe reports "not mounted".
        }

        return mounts;
    }
}
