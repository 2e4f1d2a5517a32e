using System.Runtime.InteropServices;

namespace SystemScope.Sources.Syscalls;

/// <summary>
/// Where the kernel's tracing file system is, mounting it at <c>/sys/kernel/tracing</c> when no one
/// has (a fresh machine often has it unmounted; root may mount it, and nothing else changes): the
/// syscall tracepoints' format files name each syscall's arguments. Mounting is said, not hidden
/// (<see cref="Note"/> goes into the source's mechanisms).
/// </summary>
internal static partial class Tracefs
{
    private const string Standard = "/sys/kernel/tracing";
    private static readonly string[] Roots = [Standard, "/sys/kernel/debug/tracing"];
    private static readonly Lazy<(string? Root, string Note)> Found = new(Find);

    /// <summary>The mounted root, or null when there is none and it could not be mounted.</summary>
    public static string? Root => Found.Value.Root;

    /// <summary>What was found or done, for people: <c>tracefs: mounted at /sys/kernel/tracing by the agent</c>.</summary>
    public static string Note => Found.Value.Note;

    private static (string?, string) Find()
    {
        foreach (var root in Roots)
        {
            if (Directory.Exists(root + "/events"))
            {
                return (root, "tracefs: " + root);
            }
        }

        if (Directory.Exists(Standard) && Mount("nodev", Standard, "tracefs", 0, 0) == 0 && Directory.Exists(Standard + "/events"))
        {
            return (Standard, $"tracefs: mounted at {Standard} by the agent (it was not mounted)");
        }

        var errno = Marshal.GetLastPInvokeError();
        return (null, $"tracefs: not mounted and could not be ({Marshal.GetPInvokeErrorMessage(errno)}): no argument names, so no fd details on slow calls");
    }

    [LibraryImport("libc", EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Mount(string source, string target, string type, nuint flags, nint data);
}
