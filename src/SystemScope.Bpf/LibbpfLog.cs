using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using SystemScope.Bpf.Interop;

namespace SystemScope.Bpf;

public enum LibbpfLogLevel
{
    Warning,
    Info,
    Debug,
}

/// <summary>
/// Routes libbpf's messages (it prints through a global callback) to a sink and keeps the most
/// recent ones. Messages printed while a load is in progress on a thread are also captured for
/// that load's exception. Debug messages are dropped unless <see cref="Verbose"/> is set.
/// </summary>
public static class LibbpfLog
{
    private const int RecentCapacity = 128;
    private const int LineBufferSize = 8192;

    private static readonly Lock Gate = new();
    private static readonly Queue<string> RecentMessages = new();
    private static Action<LibbpfLogLevel, string>? s_sink;
    private static int s_installed;

    [ThreadStatic]
    private static List<string>? t_capture;

    /// <summary>Whether libbpf's debug messages are formatted and delivered too (costly; for diagnosis).</summary>
    public static bool Verbose { get; set; }

    /// <summary>Receives every message; exceptions it throws are swallowed (libbpf cannot unwind them).</summary>
    public static void SetSink(Action<LibbpfLogLevel, string>? sink)
    {
        Install();
        Volatile.Write(ref s_sink, sink);
    }

    /// <summary>The last warnings and infos, oldest first.</summary>
    public static IReadOnlyList<string> Recent()
    {
        lock (Gate)
        {
            return [.. RecentMessages];
        }
    }

    internal static unsafe void Install()
    {
        if (Interlocked.Exchange(ref s_installed, 1) == 0)
        {
            Libbpf.SetPrint(&Print);
        }
    }

    /// <summary>Collects the messages printed on this thread until disposed.</summary>
    internal static CaptureScope BeginCapture()
    {
        Install();
        var previous = t_capture;
        var messages = new List<string>();
        t_capture = messages;
        return new CaptureScope(messages, previous);
    }

    internal static bool IsMisleading(string message) =>
        // libbpf blames RLIMIT_MEMLOCK for any EPERM; kernels that charge BPF memory to the memcg
        // never need it, and the hint sends people the wrong way.
        message.Contains("RLIMIT_MEMLOCK", StringComparison.Ordinal) || message.Contains("ulimit -l", StringComparison.Ordinal);

    [UnmanagedCallersOnly]
    private static unsafe int Print(int level, byte* format, nint args)
    {
        try
        {
            var logLevel = (LibbpfLogLevel)level;
            if (logLevel == LibbpfLogLevel.Debug && !Verbose)
            {
                return 0;
            }

            // va_list is consumed by the first vsnprintf: format once into a buffer big enough for
            // any single message (longer ones are cut).
            var buffer = stackalloc byte[LineBufferSize];
            var length = Libc.VsnPrintf(buffer, LineBufferSize, format, args);
            if (length <= 0)
            {
                return 0;
            }

            length = Math.Min(length, LineBufferSize - 1);
            var message = Encoding.UTF8.GetString(buffer, length).TrimEnd('\n');
            if (message.Length == 0 || IsMisleading(message))
            {
                return 0;
            }

            Deliver(logLevel, message);
        }
        catch (Exception)
        {
            // Nothing may unwind into libbpf; a lost log line is the lesser harm.
        }

        return 0;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Deliver(LibbpfLogLevel level, string message)
    {
        t_capture?.Add(message);
        if (level != LibbpfLogLevel.Debug)
        {
            lock (Gate)
            {
                if (RecentMessages.Count == RecentCapacity)
                {
                    RecentMessages.Dequeue();
                }

                RecentMessages.Enqueue(message);
            }
        }

        try
        {
            Volatile.Read(ref s_sink)?.Invoke(level, message);
        }
        catch (Exception)
        {
            // A failing sink must not take libbpf down with it.
        }
    }

    internal readonly struct CaptureScope(List<string> messages, List<string>? previous) : IDisposable
    {
        public IReadOnlyList<string> Messages => messages;

        public void Dispose() => t_capture = previous;
    }
}
