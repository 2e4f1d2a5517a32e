using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.InteropServices;

namespace SystemScope.Sources.Syscalls;

/// <summary>errno names (ENOENT …) from the C library's own table (<c>strerrorname_np</c>, glibc 2.32+), not a list kept here.</summary>
internal static partial class ErrnoNames
{
    private static readonly ConcurrentDictionary<uint, string> Cache = new();

    public static string Of(uint errno) => Cache.GetOrAdd(errno, static e =>
    {
        var name = Lookup((int)e);
        return name != 0 && Marshal.PtrToStringUTF8(name) is { Length: > 0 } text ? text : "errno " + e.ToString(CultureInfo.InvariantCulture);
    });

    private static nint Lookup(int errno)
    {
        try
        {
            return StrErrorName(errno);
        }
        catch (EntryPointNotFoundException)
        {
            return 0; // an older C library: numbers only
        }
    }

    [LibraryImport("libc", EntryPoint = "strerrorname_np")]
    private static partial nint StrErrorName(int errno);
}
