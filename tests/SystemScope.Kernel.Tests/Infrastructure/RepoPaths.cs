namespace SystemScope.Kernel.Tests.Infrastructure;

/// <summary>Paths in the repository, found by walking up from the test binaries.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> RootPath = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (Directory.Exists(Path.Combine(dir.FullName, "tests", "workloads")) && File.Exists(Path.Combine(dir.FullName, "Makefile")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"no repository root (with tests/workloads) above {AppContext.BaseDirectory}");
    });

    public static string Root => RootPath.Value;

    public static string Workloads => Path.Combine(Root, "tests", "workloads");

    public static string Build => Path.Combine(Root, "build");

    public static string BpfHeaders => Path.Combine(Root, "bpf");
}
