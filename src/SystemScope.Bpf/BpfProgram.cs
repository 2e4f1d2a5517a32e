using System.Runtime.InteropServices;
using SystemScope.Bpf.Interop;

namespace SystemScope.Bpf;

/// <summary>A loaded program of a <see cref="BpfObject"/>. Attaching gives a <see cref="BpfLink"/> the caller disposes.</summary>
public sealed unsafe class BpfProgram
{
    private readonly BpfObject _owner;
    private readonly nint _program;

    internal BpfProgram(BpfObject owner, string name, nint program)
    {
        _owner = owner;
        _program = program;
        Name = name;
        SectionName = Marshal.PtrToStringUTF8((nint)Libbpf.ProgramSectionName(program)) ?? string.Empty;
    }

    public string Name { get; }

    /// <summary>The ELF section, which names the attach point (<c>perf_event</c>, <c>tp_btf/sched_process_exec</c> …).</summary>
    public string SectionName { get; }

    /// <summary>
    /// How often the program ran and for how long in total, by the kernel's own accounting. Both stay 0
    /// unless run-time statistics are on (<see cref="BpfRunTimeStats"/>) while it runs.
    /// </summary>
    public BpfProgramStats ReadStats()
    {
        // struct bpf_prog_info is append-only uapi: run_time_ns at 192, run_cnt at 200 (Linux 5.1+).
        const int RunTimeOffset = 192;
        const int RunCountOffset = 200;
        const int InfoSize = 232;
        var info = stackalloc byte[InfoSize];
        new Span<byte>(info, InfoSize).Clear();
        var length = (uint)InfoSize;
        var added = false;
        int err;
        _owner.Handle.DangerousAddRef(ref added);
        try
        {
            err = Libbpf.ObjGetInfoByFd(Libbpf.ProgramFd(_program), info, &length);
        }
        finally
        {
            if (added)
            {
                _owner.Handle.DangerousRelease();
            }
        }

        if (err < 0)
        {
            throw new BpfException($"program {Name}: read info: {Errno.Describe(err)}", err);
        }

        return length < RunCountOffset + sizeof(ulong)
            ? default
            : new BpfProgramStats(*(long*)(info + RunTimeOffset), *(long*)(info + RunCountOffset));
    }

    /// <summary>Attaches where the section says (tracepoints, tp_btf, raw_tp …).</summary>
    public BpfLink Attach()
    {
        var added = false;
        _owner.Handle.DangerousAddRef(ref added);
        try
        {
            var link = Libbpf.ProgramAttach(_program);
            if (link == 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                throw new BpfException($"program {Name}: attach {SectionName}: {Errno.Describe(errno)}", errno);
            }

            return new BpfLink(link, Name);
        }
        finally
        {
            if (added)
            {
                _owner.Handle.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Attaches to the entry (or, with <paramref name="returnProbe"/>, the return) of the function at
    /// <paramref name="fileOffset"/> in the ELF file <paramref name="binaryPath"/>, in every process that
    /// maps it (uprobes are set on the file's inode). <paramref name="cookie"/> is what the program reads
    /// with <c>bpf_get_attach_cookie</c>; <paramref name="label"/> names the function in errors.
    /// </summary>
    public BpfLink AttachUprobe(string binaryPath, ulong fileOffset, bool returnProbe, ulong cookie, string label)
    {
        ArgumentNullException.ThrowIfNull(binaryPath);
        var added = false;
        _owner.Handle.DangerousAddRef(ref added);
        var path = Marshal.StringToCoTaskMemUTF8(binaryPath);
        try
        {
            var opts = new BpfUprobeOpts
            {
                Size = (nuint)sizeof(BpfUprobeOpts),
                Cookie = cookie,
                Retprobe = returnProbe ? (byte)1 : (byte)0,
            };
            var link = Libbpf.ProgramAttachUprobe(_program, -1, (byte*)path, (nuint)fileOffset, &opts);
            if (link == 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                throw new BpfException($"program {Name}: attach {(returnProbe ? "uretprobe" : "uprobe")} {binaryPath}:{label}: {Errno.Describe(errno)}", errno);
            }

            return new BpfLink(link, Name);
        }
        finally
        {
            Marshal.FreeCoTaskMem(path);
            if (added)
            {
                _owner.Handle.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Runs the program on every sample of the perf event and enables the event. The link gets its
    /// own duplicate of the fd (libbpf closes it on detach), so <paramref name="perfEvent"/> stays
    /// usable for enable/disable and is closed by its owner as usual.
    /// </summary>
    public BpfLink AttachPerfEvent(PerfEventHandle perfEvent)
    {
        ArgumentNullException.ThrowIfNull(perfEvent);
        var added = false;
        var perfAdded = false;
        _owner.Handle.DangerousAddRef(ref added);
        try
        {
            perfEvent.DangerousAddRef(ref perfAdded);
            var duplicate = Libc.Fcntl((int)perfEvent.DangerousGetHandle(), Libc.FDupFdCloexec, 0);
            if (duplicate < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                throw new BpfException($"program {Name}: attach perf event on cpu {perfEvent.Cpu}: dup: {Errno.Describe(errno)}", errno);
            }

            var link = Libbpf.ProgramAttachPerfEvent(_program, duplicate);
            if (link == 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                Libc.Close(duplicate); // libbpf leaves the fd to us when attaching fails
                throw new BpfException($"program {Name}: attach perf event on cpu {perfEvent.Cpu}: {Errno.Describe(errno)}", errno);
            }

            return new BpfLink(link, Name);
        }
        finally
        {
            if (perfAdded)
            {
                perfEvent.DangerousRelease();
            }

            if (added)
            {
                _owner.Handle.DangerousRelease();
            }
        }
    }

    public override string ToString() => $"program {Name} ({SectionName})";
}

/// <summary>A program's run count and total run time, from the kernel's BPF statistics.</summary>
public readonly record struct BpfProgramStats(long RunTimeNs, long RunCount)
{
    public static BpfProgramStats operator +(BpfProgramStats a, BpfProgramStats b) => new(a.RunTimeNs + b.RunTimeNs, a.RunCount + b.RunCount);

    /// <summary>Mean cost of one run in ns, or null when it has not run (or statistics were off).</summary>
    public long? NsPerRun => RunCount > 0 ? RunTimeNs / RunCount : null;
}
