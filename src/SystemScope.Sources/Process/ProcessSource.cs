using SystemScope.Bpf;
using SystemScope.Core.Errors;
using SystemScope.Core.Sources;
using SystemScope.Sources.Kit;

namespace SystemScope.Sources.Process;

/// <summary>
/// The process lifecycle of one session: loads <c>process.bpf.o</c> with the session's shared maps,
/// attaches its tracepoints (tp_btf, else raw_tp), and reads the session's process ring buffer, where
/// its own records and the other sources' "seen" announcements arrive, into
/// <see cref="Core.Events.Process.ProcessLifecycle"/> batches. It starts before and stops after the
/// session's data sources, so that nothing they announce is lost.
/// </summary>
internal sealed class ProcessSource(SourceContext context, ProcessSourceOptions options) : ISource
{
    private readonly Lock _gate = new();
    private readonly List<BpfLink> _links = [];
    private KitObject? _object;
    private RingReader? _reader;
    private ProcessEventDecoder? _decoder;
    private ProcessChannel? _channel;
    private SharedKernelMaps? _shared;
    private IReadOnlyDictionary<string, long> _kernel = new Dictionary<string, long>();
    private BpfProgramStats _cost;
    private bool _started;
    private bool _disposed;

    public SourceDescriptor Descriptor => ProcessSourceProvider.SourceDescriptor;

    public IReadOnlyList<string> Mechanisms { get; private set; } = [];

    public IReadOnlyList<SourceCounter> Counters
    {
        get
        {
            lock (_gate)
            {
                Refresh();
                var counters = new List<SourceCounter>
                {
                    new("events", _decoder?.Events ?? 0, CounterKind.Events, "process changes published (seen, fork, exec, exit, rename, thread start and exit)"),
                    new("malformed", (_decoder?.Malformed ?? 0) + (_reader?.DecoderErrors ?? 0), CounterKind.Lost, "records that could not be decoded"),
                };
                counters.AddRange(KernelCounters.Report(_kernel, ProcessSchema.Object.Name));
                counters.AddRange(KernelCounters.Cost(_cost, _shared?.StatsProblem));
                return counters;
            }
        }
    }

    internal RingReader? Reader => _reader;

    internal KitObject? Object => _object;

    public void Start()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_started)
            {
                throw new InvalidOperationException("source process: already started");
            }

            _started = true;
            try
            {
                StartLocked();
            }
            catch (BpfException ex)
            {
                ReleaseLocked();
                throw new UnavailableException("source-unavailable", $"source process: {ex.Message}", ex.Detail, ex);
            }
            catch (DllNotFoundException ex)
            {
                ReleaseLocked();
                throw new UnavailableException("source-unavailable", $"source process: libbpf is not available: {ex.Message}", null, ex);
            }
            catch
            {
                ReleaseLocked();
                throw;
            }
        }
    }

    /// <summary>Process changes keep flowing while a session is paused: symbolisation and "the target exited" depend on them.</summary>
    public void Pause()
    {
    }

    public void Resume()
    {
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            ReleaseLocked();
        }
    }

    private void StartLocked()
    {
        _shared = SharedKernelMaps.For(context);
        _object = KitObject.Load(ProcessSchema.Object, _shared, only: options.ForceRawTracepoints ? ProcessSchema.RawTracepoint : null);
        _decoder = new ProcessEventDecoder(ProcessNames.For(context));
        _reader = new RingReader("systemscope process source", context.Sink, options.PollInterval);
        _reader.Add(_shared.ProcessEvents, _decoder);
        foreach (var program in _object.Programs)
        {
            _links.Add(program.Attach());
        }

        Mechanisms = _object.Sections;
        _channel = ProcessChannel.For(context);
        _channel.Connect(_reader);
        _reader.Start();
    }

    /// <summary>Detaches first, then reads what is left in the ring (the other sources have stopped already), then unloads.</summary>
    private void ReleaseLocked()
    {
        foreach (var link in _links)
        {
            link.Dispose();
        }

        _links.Clear();
        _channel?.Connect(null);
        _reader?.Dispose();
        if (_object is not null)
        {
            Refresh();
            _object.Dispose();
            _object = null;
        }
    }

    /// <summary>Reads the kernel's counters while the object is loaded; afterwards the last values stay.</summary>
    private void Refresh()
    {
        if (_object is null)
        {
            return;
        }

        _kernel = _object.Counters.Read();
        _cost = _object.Cost();
    }
}
