using System.Runtime.InteropServices;

namespace SystemScope.Bpf.Interop;

internal static unsafe partial class Libc
{
    private const string Library = "libc";

    internal const long SysPerfEventOpen = 298; // x86_64
    internal const ulong PerfFlagFdCloexec = 8;
    internal const ulong PerfEventIocEnable = 0x2400;
    internal const ulong PerfEventIocDisable = 0x2401;
    internal const int FDupFdCloexec = 1030;
    internal const int ProtRead = 1;
    internal const int ProtWrite = 2;
    internal const int MapShared = 1;
    internal static readonly nint MapFailed = -1;

    // syscall(2) is variadic; on x86-64 integer arguments travel in the same registers either way.
    [LibraryImport(Library, EntryPoint = "syscall", SetLastError = true)]
    internal static partial long Syscall(long number, nint a1, nint a2, nint a3, nint a4, nint a5);

    [LibraryImport(Library, EntryPoint = "ioctl", SetLastError = true)]
    internal static partial int Ioctl(int fd, ulong request, nint argument);

    [LibraryImport(Library, EntryPoint = "fcntl", SetLastError = true)]
    internal static partial int Fcntl(int fd, int command, nint argument);

    [LibraryImport(Library, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    [LibraryImport(Library, EntryPoint = "mmap", SetLastError = true)]
    internal static partial nint Mmap(nint address, nuint length, int protection, int flags, int fd, long offset);

    [LibraryImport(Library, EntryPoint = "munmap", SetLastError = true)]
    internal static partial int Munmap(nint address, nuint length);

    // struct epoll_event is packed on x86-64 (12 bytes): we never read it, only need room for one.
    [LibraryImport(Library, EntryPoint = "epoll_wait", SetLastError = true)]
    internal static partial int EpollWait(int epollFd, void* events, int maxEvents, int timeoutMs);

    [LibraryImport(Library, EntryPoint = "vsnprintf")]
    internal static partial int VsnPrintf(byte* buffer, nuint size, byte* format, nint args);
}
