using SystemScope.Core.Sources;
using SystemScope.Sources.Kit;

namespace SystemScope.Sources.Process;

/// <summary>
/// The session's process lifecycle channel as the other sources see it (a session resource). A
/// source calls <see cref="Flush"/> before it publishes what it recorded: the processes it announced
/// in the kernel are then published first, so symbolisation learns of a process before its samples.
/// </summary>
internal sealed class ProcessChannel
{
    private RingReader? _reader;

    /// <summary>The session's channel, or null when the session has no process source (tests of one source alone).</summary>
    public static ProcessChannel? Of(SourceContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Resources.TryGet<ProcessChannel>();
    }

    /// <summary>Publishes every process record submitted so far, on the calling thread. Returns the records read.</summary>
    public int Flush() => Volatile.Read(ref _reader)?.Drain() ?? 0;

    internal static ProcessChannel For(SourceContext context) => context.Resources.GetOrCreate(() => new ProcessChannel());

    internal void Connect(RingReader? reader) => Volatile.Write(ref _reader, reader);
}
