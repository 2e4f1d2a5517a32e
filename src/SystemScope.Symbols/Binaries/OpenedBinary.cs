using Microsoft.Win32.SafeHandles;

namespace SystemScope.Symbols.Binaries;

/// <summary>
/// A mapped file opened while its process was alive (through <c>map_files</c>, so deleted and replaced
/// files still open), waiting to be parsed. Owns the handle.
/// </summary>
internal sealed class OpenedBinary(BinaryIdentity identity, SafeFileHandle handle, string path, string? processRoot, int pid) : IDisposable
{
    public BinaryIdentity Identity { get; } = identity;

    public SafeFileHandle Handle { get; } = handle;

    /// <summary>The path as the process sees it (in its own mount namespace).</summary>
    public string Path { get; } = path;

    /// <summary><c>/proc/PID/root</c> while the process lived, to find debug files in its file system.</summary>
    public string? ProcessRoot { get; } = processRoot;

    public int Pid { get; } = pid;

    public void Dispose() => Handle.Dispose();
}
