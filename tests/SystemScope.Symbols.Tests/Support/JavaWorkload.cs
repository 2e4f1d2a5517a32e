namespace SystemScope.Symbols.Tests.Support;

/// <summary>Compiles tests/workloads/java/JavaHotLoop.java with javac and starts it with java (no flags unless given).</summary>
internal static class JavaWorkload
{
    public const string HotMethod = "JavaHotLoop.spinInHotMethod(long)";

    private static readonly Lazy<string> ClassDirectory = new(() =>
    {
        var source = Path.Combine(RepositoryRoot(), "tests", "workloads", "java", "JavaHotLoop.java");
        var output = Directory.CreateTempSubdirectory("systemscope-java-").FullName;
        Tool.Run("javac", "-d", output, source);
        return output;
    });

    /// <param name="arguments">JVM options, then program arguments after "JavaHotLoop" is added.</param>
    public static RunningProgram Start(string[] jvmOptions, params string[] programArguments) =>
        RunningProgram.Start("java", string.Empty, "ready", [.. jvmOptions, "-cp", ClassDirectory.Value, "JavaHotLoop", .. programArguments]);

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !Directory.Exists(Path.Combine(directory.FullName, "tests", "workloads", "java")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("cannot find tests/workloads/java above " + AppContext.BaseDirectory);
    }
}
