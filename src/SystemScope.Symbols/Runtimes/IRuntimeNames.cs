using SystemScope.Symbols.Processes;

namespace SystemScope.Symbols.Runtimes;

/// <summary>
/// A runtime whose JIT code gets names only while a session asks the process for them (a .NET perf
/// map switched on over the diagnostic port, a JVM's perf map written on request, …). The symbolizer
/// tells every registered one about the processes sessions see; each decides whether the process runs
/// its runtime. Calls never block on the target and never throw: failures are recorded.
/// </summary>
internal interface IRuntimeNames
{
    /// <summary>Processes where this runtime's names are switched on now.</summary>
    int ActiveCount { get; }

    /// <summary>A session observes the process.</summary>
    void Acquire(int pid, object holder);

    /// <summary>The process's mappings were read: whether it runs this runtime can be told.</summary>
    void SetImage(int pid, ProcessSnapshot snapshot, long startTime);

    /// <summary>The process replaced its image.</summary>
    void Exec(int pid);

    /// <summary>The process exited.</summary>
    void Exited(int pid);

    /// <summary>The session stopped: what was switched on only for it is switched off and cleaned up.</summary>
    void Release(object holder);

    /// <summary>Completes when every request started so far has finished.</summary>
    Task WhenIdle();
}
