using System.Globalization;
using System.Runtime.InteropServices;

namespace SystemScope.Sources.Tuning;

/// <summary>Runs work inside the network namespace of a process, for per-namespace sysctls.</summary>
public interface INetworkNamespaces
{
    /// <summary>The namespace's inode (the number in <c>net:[4026532281]</c>), or null when the process is gone.</summary>
    ulong? InodeOf(int pid);

    T Run<T>(int pid, Func<T> work);
}

/// <summary>
/// Enters a network namespace the safe way: a new, dedicated thread calls <c>setns(CLONE_NEWNET)</c> on
/// <c>/proc/PID/ns/net</c>, opens <c>/proc/sys/net/…</c> (which resolves in the opening thread's
/// namespace), and ends. The namespace belongs to that thread only, so no pool thread ever runs in
/// another namespace. Writing <c>/proc/PID/root/proc/sys/net/…</c> instead would be wrong: that is the
/// same procfs seen through the process's root, and net sysctls there still resolve in the namespace
/// of the thread that opens them — the host's value would change.
/// </summary>
public sealed partial class LinuxNetworkNamespaces(string procRoot) : INetworkNamespaces
{
    private const int CloneNewNet = 0x40000000;

    public ulong? InodeOf(int pid)
    {
        try
        {
            var link = new FileInfo(Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture), "ns", "net")).LinkTarget;
            return ParseInode(link);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The inode in <c>net:[4026531840]</c>.</summary>
    public static ulong? ParseInode(string? link) =>
        link is not null && link.StartsWith("net:[", StringComparison.Ordinal) && ulong.TryParse(link.AsSpan(5, link.Length - 6), NumberStyles.None, CultureInfo.InvariantCulture, out var inode) ? inode : null;

    public T Run<T>(int pid, Func<T> work)
    {
        T? result = default;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var target = File.OpenHandle(Path.Combine(procRoot, pid.ToString(CultureInfo.InvariantCulture), "ns", "net"));
                if (SetNamespace((int)target.DangerousGetHandle(), CloneNewNet) != 0)
                {
                    throw new IOException($"setns into the network namespace of process {pid} failed: {Marshal.GetLastPInvokeErrorMessage()}");
                }

                result = work();
            }
            catch (Exception error)
            {
                failure = error;
            }
        })
        {
            IsBackground = true,
            Name = "netns " + pid.ToString(CultureInfo.InvariantCulture),
        };
        thread.Start();
        thread.Join();
        if (failure is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new IOException($"process {pid} has exited: its network namespace cannot be entered", failure);
        }

        return failure is null ? result! : throw failure;
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNamespace(int fd, int nstype);
}

/// <summary>For fake trees: the namespace's files are simply under the tree's /proc.</summary>
public sealed class NoNetworkNamespaces : INetworkNamespaces
{
    public ulong? InodeOf(int pid) => 4026531840UL + (ulong)pid;

    public T Run<T>(int pid, Func<T> work) => work();
}
