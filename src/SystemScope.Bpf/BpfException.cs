namespace SystemScope.Bpf;

/// <summary>
/// A BPF or perf operation failed. The message carries the context of every layer
/// ("object cpu_profile: map counts_0: update: No space left on device (ENOSPC)").
/// </summary>
public class BpfException : Exception
{
    public BpfException(string message, int errno = 0, string? detail = null, Exception? inner = null)
        : base(message, inner)
    {
        Errno = Math.Abs(errno);
        Detail = detail;
    }

    /// <summary>The kernel's or libbpf's errno (positive); 0 when the failure was not a syscall.</summary>
    public int Errno { get; }

    /// <summary>Longer diagnostic text: the verifier log, libbpf's own messages.</summary>
    public string? Detail { get; }
}

/// <summary>The kernel refused to load an object: <see cref="BpfException.Detail"/> holds the verifier log.</summary>
public sealed class BpfLoadException(
    string message, int errno, string? failedProgram, string? failedMap, string verifierLog, IReadOnlyList<string> libbpfMessages)
    : BpfException(message, errno, ComposeDetail(verifierLog, libbpfMessages))
{
    /// <summary>The program the kernel rejected, when libbpf said which.</summary>
    public string? FailedProgram { get; } = failedProgram;

    /// <summary>The map the kernel refused to create, when libbpf said which.</summary>
    public string? FailedMap { get; } = failedMap;

    public string VerifierLog { get; } = verifierLog;

    public IReadOnlyList<string> LibbpfMessages { get; } = libbpfMessages;

    private static string? ComposeDetail(string verifierLog, IReadOnlyList<string> messages)
    {
        if (verifierLog.Length == 0 && messages.Count == 0)
        {
            return null;
        }

        var libbpf = string.Join('\n', messages);
        return verifierLog.Length == 0 ? libbpf : $"{libbpf}\n-- verifier log --\n{verifierLog}";
    }
}

/// <summary>This kernel lacks what the operation needs (a program type, a PMU, a helper).</summary>
public sealed class BpfNotSupportedException(string message, int errno = 0, string? detail = null)
    : BpfException(message, errno, detail);
