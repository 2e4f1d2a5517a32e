using System.Runtime.InteropServices;

namespace SystemScope.Bpf;

/// <summary>errno values the BPF and perf syscalls report, with readable descriptions.</summary>
public static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int ESRCH = 3;
    public const int EINTR = 4;
    public const int E2BIG = 7;
    public const int EBADF = 9;
    public const int EAGAIN = 11;
    public const int ENOMEM = 12;
    public const int EACCES = 13;
    public const int EFAULT = 14;
    public const int EBUSY = 16;
    public const int EEXIST = 17;
    public const int ENODEV = 19;
    public const int EINVAL = 22;
    public const int ENOSPC = 28;
    public const int ENOSYS = 38;
    public const int EOPNOTSUPP = 95;
    public const int ENOTSUPP = 524; // kernel-internal, leaks out of some BPF commands

    /// <summary>"Operation not permitted (EPERM)"; works for positive or negative values.</summary>
    public static string Describe(int errno)
    {
        errno = Math.Abs(errno);
        var name = Name(errno);
        var text = errno == ENOTSUPP ? "Operation not supported by the kernel" : Marshal.GetPInvokeErrorMessage(errno);
        return name is null ? $"{text} (errno {errno})" : $"{text} ({name})";
    }

    private static string? Name(int errno) => errno switch
    {
        EPERM => "EPERM",
        ENOENT => "ENOENT",
        ESRCH => "ESRCH",
        EINTR => "EINTR",
        E2BIG => "E2BIG",
        EBADF => "EBADF",
        EAGAIN => "EAGAIN",
        ENOMEM => "ENOMEM",
        EACCES => "EACCES",
        EFAULT => "EFAULT",
        EBUSY => "EBUSY",
        EEXIST => "EEXIST",
        ENODEV => "ENODEV",
        EINVAL => "EINVAL",
        ENOSPC => "ENOSPC",
        ENOSYS => "ENOSYS",
        EOPNOTSUPP => "EOPNOTSUPP",
        ENOTSUPP => "ENOTSUPP",
        _ => null,
    };
}
