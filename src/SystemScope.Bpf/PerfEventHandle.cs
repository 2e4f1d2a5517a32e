using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using SystemScope.Bpf.Interop;

namespace SystemScope.Bpf;

/// <summary>
/// A perf event fd on one CPU. Enable and disable are single ioctls: pausing a profile is instant
/// and reloads nothing. Attaching a program (<see cref="BpfProgram.AttachPerfEvent"/>) does not take
/// the fd over; this handle still closes it.
/// </summary>
public sealed class PerfEventHandle : SafeHandleMinusOneIsInvalid
{
    private PerfEventHandle(int fd, int cpu)
        : base(ownsHandle: true)
    {
        SetHandle(fd);
        Cpu = cpu;
    }

    public int Cpu { get; }

    /// <summary>
    /// Opens a software cpu-clock sampling event for every task on <paramref name="cpu"/> at
    /// <paramref name="frequencyHz"/> samples per second, created disabled (attaching enables it).
    /// </summary>
    public static unsafe PerfEventHandle OpenCpuClock(int cpu, int frequencyHz)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cpu);
        ArgumentOutOfRangeException.ThrowIfLessThan(frequencyHz, 1);
        var attr = new PerfEventAttr
        {
            Type = BpfConstants.PerfTypeSoftware,
            Size = PerfEventAttr.SizeVer7,
            Config = BpfConstants.PerfCountSwCpuClock,
            SamplePeriodOrFreq = (ulong)frequencyHz,
            Flags = PerfEventAttr.FlagFreq | PerfEventAttr.FlagDisabled,
        };

        // pid -1 with a cpu: every task on that CPU.
        var fd = Libc.Syscall(Libc.SysPerfEventOpen, (nint)(&attr), -1, cpu, -1, (nint)Libc.PerfFlagFdCloexec);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            throw OpenError(cpu, frequencyHz, errno);
        }

        return new PerfEventHandle((int)fd, cpu);
    }

    /// <summary>
    /// Opens a software page-fault event (<paramref name="major"/>: faults that needed I/O, else the
    /// others) for every task on <paramref name="cpu"/>, overflowing every <paramref name="period"/>
    /// faults, created disabled (attaching enables it). With a period of 1 every fault runs the attached
    /// program, and the kernel never throttles it.
    /// </summary>
    public static unsafe PerfEventHandle OpenPageFaults(int cpu, bool major, ulong period = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(cpu);
        ArgumentOutOfRangeException.ThrowIfLessThan(period, 1UL);
        var attr = new PerfEventAttr
        {
            Type = BpfConstants.PerfTypeSoftware,
            Size = PerfEventAttr.SizeVer7,
            Config = major ? BpfConstants.PerfCountSwPageFaultsMaj : BpfConstants.PerfCountSwPageFaultsMin,
            SamplePeriodOrFreq = period,
            Flags = PerfEventAttr.FlagDisabled,
        };

        var fd = Libc.Syscall(Libc.SysPerfEventOpen, (nint)(&attr), -1, cpu, -1, (nint)Libc.PerfFlagFdCloexec);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            var context = $"perf event {(major ? "major-faults" : "minor-faults")} on cpu {cpu}: {Errno.Describe(errno)}";
            throw errno switch
            {
                Errno.ENOENT or Errno.EOPNOTSUPP or Errno.ENODEV or Errno.ENOSYS =>
                    new BpfNotSupportedException($"{context}: this kernel has no software page-fault events", errno),
                Errno.EACCES or Errno.EPERM =>
                    new BpfException($"{context}: needs root or CAP_PERFMON (kernel.perf_event_paranoid = {ReadSysctl("perf_event_paranoid")})", errno),
                _ => new BpfException(context, errno),
            };
        }

        return new PerfEventHandle((int)fd, cpu);
    }

    public void Enable() => Control(Libc.PerfEventIocEnable, "enable");

    public void Disable() => Control(Libc.PerfEventIocDisable, "disable");

    protected override bool ReleaseHandle() => Libc.Close((int)handle) == 0;

    private static BpfException OpenError(int cpu, int frequencyHz, int errno)
    {
        var context = $"perf event cpu-clock on cpu {cpu} at {frequencyHz} Hz: {Errno.Describe(errno)}";
        return errno switch
        {
            Errno.ENOENT or Errno.EOPNOTSUPP or Errno.ENODEV or Errno.ENOSYS =>
                new BpfNotSupportedException($"{context}: this kernel has no software cpu-clock events", errno),
            Errno.EACCES or Errno.EPERM =>
                new BpfException($"{context}: needs root or CAP_PERFMON (kernel.perf_event_paranoid = {ReadSysctl("perf_event_paranoid")})", errno),
            Errno.EINVAL when MaxSampleRate() is { } max && frequencyHz > max =>
                new BpfException($"{context}: above kernel.perf_event_max_sample_rate ({max} Hz)", errno),
            _ => new BpfException(context, errno),
        };
    }

    private static int? MaxSampleRate() =>
        int.TryParse(ReadSysctl("perf_event_max_sample_rate"), NumberStyles.None, CultureInfo.InvariantCulture, out var rate) ? rate : null;

    private static string ReadSysctl(string name)
    {
        try
        {
            return File.ReadAllText($"/proc/sys/kernel/{name}").Trim();
        }
        catch (IOException)
        {
            return "unknown";
        }
        catch (UnauthorizedAccessException)
        {
            return "unknown";
        }
    }

    private void Control(ulong request, string operation)
    {
        var added = false;
        DangerousAddRef(ref added);
        try
        {
            if (Libc.Ioctl((int)handle, request, 0) < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                throw new BpfException($"perf event on cpu {Cpu}: {operation}: {Errno.Describe(errno)}", errno);
            }
        }
        finally
        {
            if (added)
            {
                DangerousRelease();
            }
        }
    }
}
