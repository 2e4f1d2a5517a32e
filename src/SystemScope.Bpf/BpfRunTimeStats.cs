using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using SystemScope.Bpf.Interop;

namespace SystemScope.Bpf;

/// <summary>
/// Keeps the kernel's BPF run-time statistics on (<c>BPF_ENABLE_STATS</c>) while it is held: every
/// program then accounts its run count and run time (<see cref="BpfProgram.ReadStats"/>), at the cost
/// of two clock reads per run. The kernel counts holders, so this never turns statistics off for
/// someone else (nor touches the <c>kernel.bpf_stats_enabled</c> sysctl); disposing releases ours.
/// </summary>
public sealed class BpfRunTimeStats : SafeHandleMinusOneIsInvalid
{
    private BpfRunTimeStats(int fd)
        : base(ownsHandle: true) => SetHandle(fd);

    /// <summary>Turns statistics on until disposed. Throws <see cref="BpfException"/> where the kernel refuses.</summary>
    public static BpfRunTimeStats Enable()
    {
        var fd = Libbpf.EnableStats(BpfConstants.StatsRunTime);
        if (fd < 0)
        {
            var errno = fd == -1 ? Marshal.GetLastPInvokeError() : -fd;
            throw new BpfException($"BPF run-time statistics: enable: {Errno.Describe(errno)}", errno);
        }

        return new BpfRunTimeStats(fd);
    }

    protected override bool ReleaseHandle() => Libc.Close((int)handle) == 0;
}
