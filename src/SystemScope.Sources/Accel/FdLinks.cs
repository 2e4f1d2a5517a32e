using System.Runtime.InteropServices;
using System.Text;

namespace SystemScope.Sources.Accel;

/// <summary>
/// Reads a process's fd links the cheap way: one <c>opendir</c> of <c>/proc/PID/fd</c>, then
/// <c>readlinkat</c> relative to it into one reused buffer, compared as bytes. No string per fd and
/// no path walk per fd: on a machine of thousands of fds this is what a scan costs (see
/// bench/accel-scan.sh). Linux, glibc, 64-bit <c>struct dirent</c> (d_reclen at 16, d_name at 19).
/// </summary>
internal static unsafe partial class FdLinks
{
    private const int NameOffset = 19;

    /// <summary>What to do with one fd: its number (the entry's name) and its link target, as bytes.</summary>
    public delegate void Visitor(ReadOnlySpan<byte> fd, ReadOnlySpan<byte> target);

    /// <summary>Visits every fd of the directory; the number of entries read, or -1 when it cannot be opened (exited, not ours).</summary>
    public static int ForEach(string fdDirectory, Visitor visit)
    {
        ArgumentNullException.ThrowIfNull(visit);
        var directory = OpenDirectory(fdDirectory);
        if (directory == 0)
        {
            return -1;
        }

        try
        {
            var fd = DirectoryFd(directory);
            var target = stackalloc byte[256];
            var count = 0;
            while (ReadDirectory(directory) is var entry && entry != 0)
            {
                var name = (byte*)entry + NameOffset;
                if (name[0] == (byte)'.')
                {
                    continue;
                }

                count++;
                var length = ReadLinkAt(fd, name, target, 256);
                if (length > 0)
                {
                    visit(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(name), new ReadOnlySpan<byte>(target, (int)length));
                }
            }

            return count;
        }
        finally
        {
            CloseDirectory(directory);
        }
    }

    /// <summary>The numeric entries of a /proc-like directory (the processes), read the same way; empty when it cannot be opened.</summary>
    public static List<int> Pids(string procRoot)
    {
        var pids = new List<int>();
        var directory = OpenDirectory(procRoot);
        if (directory == 0)
        {
            return pids;
        }

        try
        {
            while (ReadDirectory(directory) is var entry && entry != 0)
            {
                var name = MemoryMarshal.CreateReadOnlySpanFromNullTerminated((byte*)entry + NameOffset);
                if (System.Buffers.Text.Utf8Parser.TryParse(name, out int pid, out var consumed) && consumed == name.Length && pid > 0)
                {
                    pids.Add(pid);
                }
            }

            return pids;
        }
        finally
        {
            CloseDirectory(directory);
        }
    }

    public static string Text(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);

    [LibraryImport("libc", EntryPoint = "opendir", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint OpenDirectory(string path);

    [LibraryImport("libc", EntryPoint = "readdir")]
    private static partial nint ReadDirectory(nint directory);

    [LibraryImport("libc", EntryPoint = "dirfd")]
    private static partial int DirectoryFd(nint directory);

    [LibraryImport("libc", EntryPoint = "closedir")]
    private static partial int CloseDirectory(nint directory);

    [LibraryImport("libc", EntryPoint = "readlinkat")]
    private static partial nint ReadLinkAt(int dirfd, byte* path, byte* buffer, nuint size);
}
