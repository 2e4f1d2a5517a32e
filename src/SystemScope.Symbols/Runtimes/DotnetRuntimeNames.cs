using SystemScope.Symbols.Processes;
using SystemScope.Symbols.Runtimes.Dotnet;

namespace SystemScope.Symbols.Runtimes;

/// <summary>The .NET perf map controller as one of the registered runtimes.</summary>
internal sealed class DotnetRuntimeNames(DotnetPerfMapController controller) : IRuntimeNames
{
    public DotnetPerfMapController Controller => controller;

    public int ActiveCount => controller.EnabledCount;

    public void Acquire(int pid, object holder) => controller.Acquire(pid, holder);

    public void SetImage(int pid, ProcessSnapshot snapshot, long startTime) => controller.SetRuntime(pid, snapshot.HasDotnetRuntime, startTime);

    public void Exec(int pid) => controller.Exec(pid);

    public void Exited(int pid) => controller.Exited(pid);

    public void Release(object holder) => controller.Release(holder);

    public Task WhenIdle() => controller.WhenIdle();
}
