namespace SystemScope.Kernel.Tests.Infrastructure;

/// <summary>
/// Whether kernel tests may run, and whether they must. Outside CI a non-root run skips them; with
/// SYSTEMSCOPE_REQUIRE_KERNEL=1 they never skip, so a missing privilege fails every one of them.
/// </summary>
public static class KernelRequirement
{
    public const string RequireVariable = "SYSTEMSCOPE_REQUIRE_KERNEL";

    public static bool IsRoot => Environment.IsPrivilegedProcess;

    public static bool IsRequired => Environment.GetEnvironmentVariable(RequireVariable) == "1";

    /// <summary>Why the test is skipped, or null when it runs.</summary>
    public static string? SkipReason =>
        IsRoot || IsRequired ? null : $"needs root to load BPF programs (set {RequireVariable}=1 to fail instead of skipping)";

    /// <summary>Fails the running test with a clear message when it cannot do its work.</summary>
    public static void EnsureRoot()
    {
        if (!IsRoot)
        {
            Assert.Fail($"kernel test needs root ({RequireVariable}={Environment.GetEnvironmentVariable(RequireVariable)}): run the tests as root");
        }
    }
}

/// <summary>A fact that loads BPF on the real kernel: skipped only when not root and not required.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class KernelFactAttribute : FactAttribute
{
    public KernelFactAttribute()
    {
        if (KernelRequirement.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>A theory that loads BPF on the real kernel: skipped only when not root and not required.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class KernelTheoryAttribute : TheoryAttribute
{
    public KernelTheoryAttribute()
    {
        if (KernelRequirement.SkipReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>
/// Kernel tests run one at a time: they count the process's BPF objects and burn the machine's two
/// CPUs with workloads whose statistics another test's load would disturb.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class KernelCollection
{
    public const string Name = "kernel";
}
