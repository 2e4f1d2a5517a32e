using System.Runtime.InteropServices;
using System.Text;
using SystemScope.Core.Sessions;

namespace SystemScope.Sources.Processes;

/// <summary>
/// The cgroup v2 hierarchy as the kernel's BPF helpers see it: a cgroup's id is the inode number of
/// its directory in cgroupfs (the kernfs node id) and its level is its depth below the root (the
/// root is 0). The cgroup2 mount is found in /proc/self/mountinfo wherever it is (here
/// /sys/fs/cgroup/unified, beside the v1 controllers).
/// </summary>
internal static partial class CgroupFs
{
    /// <summary>The cgroup v2 at <paramref name="path"/> (relative to the hierarchy's root), or null when there is none.</summary>
    public static CgroupRef? Resolve(string procRoot, string path)
    {
        if (FindMount(Path.Combine(procRoot, "self", "mountinfo")) is not { } mount)
        {
            return null;
        }

        // The mount may show a subtree of the hierarchy (its root in mountinfo): a path may name it or not.
        var below = path;
        if (mount.Root != "/" && (path == mount.Root || path.StartsWith(mount.Root + "/", StringComparison.Ordinal)))
        {
            below = path[mount.Root.Length..];
        }

        var segments = below.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var rootDepth = mount.Root.Split('/', StringSplitOptions.RemoveEmptyEntries).Length;
        var directory = Path.Combine([mount.MountPoint, .. segments]);
        if (!Directory.Exists(directory) || Inode(directory) is not { } inode)
        {
            return null;
        }

        return new CgroupRef(inode, rootDepth + segments.Length);
    }

    /// <summary>Every cgroup v2 by id: its path below the hierarchy's root (what a person reads). Walks the whole tree: call rarely.</summary>
    public static IReadOnlyDictionary<ulong, string> Paths(string procRoot, int maxCgroups = 100_000)
    {
        return FindMount(Path.Combine(procRoot, "self", "mountinfo")) is { } mount ? PathsIn(mount, maxCgroups) : new Dictionary<ulong, string>();
    }

    /// <summary>Every cgroup of the hierarchy mounted at <paramref name="mount"/> by id (the inode of its directory): its path below the root.</summary>
    public static IReadOnlyDictionary<ulong, string> PathsIn((string MountPoint, string Root) mount, int maxCgroups = 100_000)
    {
        var paths = new Dictionary<ulong, string>();
        var pending = new Stack<string>();
        pending.Push(mount.MountPoint);
        while (pending.Count > 0 && paths.Count < maxCgroups)
        {
            var directory = pending.Pop();
            if (Inode(directory) is { } inode)
            {
                var below = Path.GetRelativePath(mount.MountPoint, directory);
                var path = below == "." ? mount.Root : mount.Root.TrimEnd('/') + "/" + below;
                paths[inode] = path.Length == 0 ? "/" : path;
            }

            try
            {
                foreach (var child in Directory.EnumerateDirectories(directory))
                {
                    pending.Push(child);
                }
            }
            catch (IOException)
            {
                // Removed while walking.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return paths;
    }

    /// <summary>Where cgroup2 is mounted and which part of the hierarchy the mount shows.</summary>
    public static (string MountPoint, string Root)? FindMount(string mountinfo)
    {
        try
        {
            foreach (var line in File.ReadLines(mountinfo))
            {
                // id parent major:minor root mount-point options [optional fields…] - fstype source super-options
                var fields = line.Split(' ');
                var separator = Array.IndexOf(fields, "-");
                if (separator >= 5 && separator + 1 < fields.Length && fields[separator + 1] == "cgroup2")
                {
                    return (Unescape(fields[4]), Unescape(fields[3]));
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }

    /// <summary>
    /// The hierarchy a controller (<c>memory</c>) is attached to: cgroup2 when its root lists the
    /// controller, else the cgroup v1 mount whose options name it (systems with both, such as here).
    /// </summary>
    public static (string MountPoint, string Root)? FindControllerMount(string mountinfo, string controller)
    {
        if (FindMount(mountinfo) is { } v2)
        {
            try
            {
                var controllers = File.ReadAllText(Path.Combine(v2.MountPoint, "cgroup.controllers")).Split(' ', '\n');
                if (controllers.Contains(controller))
                {
                    return v2;
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        try
        {
            foreach (var line in File.ReadLines(mountinfo))
            {
                var fields = line.Split(' ');
                var separator = Array.IndexOf(fields, "-");
                if (separator >= 5 && separator + 3 < fields.Length && fields[separator + 1] == "cgroup"
                    && fields[separator + 3].Split(',').Contains(controller))
                {
                    return (Unescape(fields[4]), Unescape(fields[3]));
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }

    /// <summary>mountinfo escapes space, tab, newline and backslash as \ooo.</summary>
    internal static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var text = new StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length && TryOctal(field.AsSpan(i + 1, 3), out var c))
            {
                text.Append(c);
                i += 3;
            }
            else
            {
                text.Append(field[i]);
            }
        }

        return text.ToString();
    }

    private static bool TryOctal(ReadOnlySpan<char> digits, out char value)
    {
        var n = 0;
        foreach (var d in digits)
        {
            if (d is < '0' or > '7')
            {
                value = default;
                return false;
            }

            n = (n * 8) + (d - '0');
        }

        value = (char)n;
        return true;
    }

    private static ulong? Inode(string path) => Stat(path, out var buffer) == 0 ? buffer.Inode : null;

    // glibc exports stat(2) as a function since 2.33 (the binary needs 2.34 anyway).
    [LibraryImport("libc", EntryPoint = "stat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Stat(string path, out StatBuffer buffer);

    /// <summary>struct stat on x86-64 (144 bytes): st_dev, then st_ino.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 144)]
    private struct StatBuffer
    {
        [FieldOffset(8)] public ulong Inode;
    }
}
