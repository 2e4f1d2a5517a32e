namespace SystemScope.Symbols.Support;

/// <summary>Reads small pseudo-files (/proc), whose size is not known up front.</summary>
internal static class ProcFile
{
    private const int MaxBytes = 64 * 1024 * 1024;

    /// <summary>The whole file, or null when it cannot be read (the process is gone, no permission …).</summary>
    public static byte[]? TryReadAll(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 0);
            var buffer = new byte[16 * 1024];
            var length = 0;
            int read;
            while ((read = stream.Read(buffer, length, buffer.Length - length)) > 0)
            {
                length += read;
                if (length == buffer.Length)
                {
                    if (buffer.Length >= MaxBytes)
                    {
                        break;
                    }

                    Array.Resize(ref buffer, buffer.Length * 2);
                }
            }

            return buffer.AsSpan(0, length).ToArray();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Opens a file for reading, or null with the reason when it cannot be opened.</summary>
    public static Microsoft.Win32.SafeHandles.SafeFileHandle? TryOpen(string path, out string? error)
    {
        try
        {
            error = null;
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            error = ex.Message;
            return null;
        }
    }
}
