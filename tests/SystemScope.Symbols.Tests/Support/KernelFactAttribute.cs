namespace SystemScope.Symbols.Tests.Support;

/// <summary>
/// A test that needs root (kallsyms addresses, map_files of other processes, namespaces). It is
/// skipped only when not root and SYSTEMSCOPE_REQUIRE_KERNEL is not 1; with it set, it runs and fails.
/// </summary>
public sealed class KernelFactAttribute : FactAttribute
{
    public KernelFactAttribute()
    {
        if (!Privileges.IsRoot && !Privileges.KernelRequired)
        {
            Skip = "needs root (set SYSTEMSCOPE_REQUIRE_KERNEL=1 to fail instead of skipping)";
        }
    }
}

internal static class Privileges
{
    public static bool KernelRequired => Environment.GetEnvironmentVariable("SYSTEMSCOPE_REQUIRE_KERNEL") == "1";

    /// <summary>Effective uid 0, from /proc/self/status (the second value of the Uid line).</summary>
    public static bool IsRoot
    {
        get
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("Uid:", StringComparison.Ordinal))
                {
                    var values = line[4..].Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
                    return values.Length > 1 && values[1] == "0";
                }
            }

            return false;
        }
    }
}
