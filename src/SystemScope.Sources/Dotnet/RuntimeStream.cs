using System.Diagnostics;
using Microsoft.Diagnostics.NETCore.Client;
using SystemScope.Sources.Dotnet.Nettrace;

namespace SystemScope.Sources.Dotnet;

/// <summary>
/// One process's EventPipe session: started over its diagnostic socket (no rundown), read on a thread of its own by the nettrace reader, decoded, and handed to
/// <paramref name="deliver"/> at least every 100 ms while events come. It ends when the process exits
/// (the stream closes), when it is stopped (Stop command, then the stream is read to its end), or when
/// the stream breaks; <paramref name="ended"/> says which, once.
/// </summary>
internal sealed class RuntimeStream : IDisposable, INettraceHandler
{
    private static readonly TimeSpan FlushEvery = TimeSpan.FromMilliseconds(100);

    private readonly DotnetTarget _target;
    private readonly Action<int, RuntimeEvents> _deliver;
    private readonly Action<RuntimeStream, string> _ended;
    private readonly RuntimeEventDecoder _decoder;
    private readonly Stream? _copy;
    private readonly Stopwatch _sinceFlush = Stopwatch.StartNew();
    private DiagnosticsClientConnector? _connector;
    private EventPipeSession? _session;
    private Thread? _reader;
    private NettraceReader? _nettrace;
    private int _stopping;

    private RuntimeStream(DotnetTarget target, DotnetSettings settings, Stream? copy, Action<int, RuntimeEvents> deliver, Action<RuntimeStream, string> ended)
    {
        _target = target;
        _deliver = deliver;
        _ended = ended;
        _copy = copy;
        _decoder = new RuntimeEventDecoder(target.Pid, settings.ExceptionMessages);
    }

    public int Pid => _target.Pid;

    /// <summary>How the session was started (the level asked for).</summary>
    public string Command { get; private set; } = string.Empty;

    public long Events => _nettrace?.Events ?? 0;

    public long EventsLost => _nettrace?.EventsLost ?? 0;

    public long Malformed => _decoder.Malformed;

    public long Bytes => _nettrace?.Bytes ?? 0;

    /// <summary>Connects and starts the session; throws <see cref="TimeoutException"/> or <see cref="IOException"/> (with the socket named) when the port does not answer.</summary>
    /// <param name="copy">Also write the raw stream here (a nettrace file), when not null.</param>
    public static async Task<RuntimeStream> StartAsync(
        DotnetTarget target, DotnetSettings settings, TimeSpan timeout, Stream? copy, Action<int, RuntimeEvents> deliver, Action<RuntimeStream, string> ended)
    {
        var stream = new RuntimeStream(target, settings, copy, deliver, ended);
        await stream.ConnectAsync(settings, timeout).ConfigureAwait(false);
        stream._reader = new Thread(stream.ReadAll) { IsBackground = true, Name = $"systemscope dotnet {target.Pid}" };
        stream._reader.Start();
        return stream;
    }

    private async Task ConnectAsync(DotnetSettings settings, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            _connector = await DiagnosticsClientConnector.FromDiagnosticPort($"{_target.Socket},connect", cancel.Token).ConfigureAwait(false);
            var client = _connector.Instance;
            _session = await client.StartEventPipeSessionAsync(Configuration(settings), cancel.Token).ConfigureAwait(false);
            Command = settings.Allocations ? "EventPipe (verbose: allocation sampling)" : "EventPipe (informational)";
        }

        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            throw new TimeoutException($"pid {_target.Pid}: the diagnostic port {_target.Socket} did not answer within {timeout.TotalSeconds:0.#} s");
        }
        catch (Exception ex) when (ex is DiagnosticsClientException or IOException or System.Net.Sockets.SocketException)
        {
            throw new IOException($"pid {_target.Pid}: the runtime refused the EventPipe session over {_target.Socket}: {ex.Message}", ex);
        }
    }

    private static EventPipeSessionConfiguration Configuration(DotnetSettings settings) =>
        new(DotnetProviders.Create(settings), 64, false, settings.Stacks); // 64 MiB buffer, no rundown

    /// <summary>Asks the runtime to stop and waits (bounded) for the rest of the stream to be read.</summary>
    public void Stop(TimeSpan timeout)
    {
        if (Interlocked.Exchange(ref _stopping, 1) != 0)
        {
            return;
        }

        try
        {
            var stop = Task.Run(() => _session?.Stop());
            stop.Wait(timeout);
        }
        catch (Exception ex) when (ex is AggregateException or DiagnosticsClientException or IOException or TimeoutException)
        {
            // The process may be gone already: its stream has ended (or will, below).
        }

        if (_reader is not null && !_reader.Join(timeout))
        {
            // Still reading after the stop: close the stream under it.
            _session?.Dispose();
            _reader.Join(timeout);
        }
    }

    public void Dispose()
    {
        Stop(TimeSpan.FromSeconds(3));
        _session?.Dispose();
        _connector?.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(1));
        _copy?.Dispose();
    }

    public void OnEvent(in NettraceEvent e)
    {
        _decoder.OnEvent(e);
        if (_decoder.Output.Count >= 4096)
        {
            Flush();
        }
    }

    public void OnProgress(long timestampNs)
    {
        _decoder.OnProgress(timestampNs);
        if (_sinceFlush.Elapsed >= FlushEvery)
        {
            Flush();
        }
    }

    private void ReadAll()
    {
        var reason = "stopped";
        try
        {
            Stream input = _session!.EventStream;
            if (_copy is not null)
            {
                input = new CopyingStream(input, _copy);
            }

            _nettrace = new NettraceReader(input, this);
            _nettrace.Read();
        }
        catch (EndOfStreamException)
        {
            reason = Volatile.Read(ref _stopping) != 0 ? "stopped" : "the process exited";
        }
        catch (NettraceFormatException ex)
        {
            reason = $"unreadable stream: {ex.Message}";
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            reason = Volatile.Read(ref _stopping) != 0 ? "stopped" : $"the process exited or closed the stream ({ex.Message})";
        }

        if (Volatile.Read(ref _stopping) == 0 && reason == "stopped")
        {
            reason = "the runtime ended the session (the process is exiting)";
        }

        _decoder.Finish();
        Flush();
        _ended(this, reason);
    }

    private void Flush()
    {
        _sinceFlush.Restart();
        var events = _decoder.Take();
        if (events.Count > 0)
        {
            _deliver(_target.Pid, events);
        }
    }

    /// <summary>Passes reads through and writes what was read to a copy (a nettrace file).</summary>
    private sealed class CopyingStream(Stream inner, Stream copy) : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = inner.Read(buffer, offset, count);
            copy.Write(buffer, offset, read);
            return read;
        }

        public override void Flush() => copy.Flush();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
