using SystemScope.Bpf;
using SystemScope.Core.Errors;
using SystemScope.Core.Sources;

namespace SystemScope.Sources.Kit;

/// <summary>
/// The lifecycle of a source built on one kit object whose programs attach as links: Start under the
/// gate, with a BPF or libbpf failure reported as "unavailable" and everything loaded so far released;
/// Pause and Resume detach and re-attach the programs; Dispose detaches, then lets the window loop
/// collect the last window (and the ring reader publish what is left) before the loop's release callback
/// (<see cref="Release"/>) closes the object. Counters: the source's own, the loop's windows, the
/// object's kernel counters and its programs' cost (read by <see cref="Refresh"/> on the loop's thread).
/// </summary>
internal abstract class KitSource : ISource
{
    private const string ErrorCode = "source-unavailable";

    private readonly List<IDisposable> _links = [];
    private IReadOnlyDictionary<string, long> _kernel = new Dictionary<string, long>();
    private BpfProgramStats _cost;
    private bool _started;
    private bool _disposed;

    public abstract SourceDescriptor Descriptor { get; }

    public IReadOnlyList<string> Mechanisms { get; protected set; } = [];

    public IReadOnlyList<SourceCounter> Counters
    {
        get
        {
            lock (Gate)
            {
                var counters = new List<SourceCounter>(OwnCounters())
                {
                    new("windows", Loop?.Windows ?? 0, CounterKind.Info, "collection windows drained"),
                };
                counters.AddRange(KernelCounters.Report(_kernel, ObjectName));
                counters.AddRange(KernelCounters.Cost(_cost, Shared?.StatsProblem));
                counters.AddRange(Shared?.Unwind?.Report() ?? []);
                return counters;
            }
        }
    }

    protected Lock Gate { get; } = new();

    protected SharedKernelMaps? Shared { get; set; }

    protected KitObject? KernelObject { get; set; }

    protected WindowLoop? Loop { get; set; }

    protected RingReader? Reader { get; set; }

    /// <summary>The kernel counters as last read by <see cref="Refresh"/>.</summary>
    protected IReadOnlyDictionary<string, long> KernelValues => Volatile.Read(ref _kernel);

    /// <summary>The object's name, for the kernel counters' descriptions.</summary>
    protected abstract string ObjectName { get; }

    public void Start()
    {
        lock (Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_started)
            {
                throw new InvalidOperationException($"source {Descriptor.Id}: already started");
            }

            _started = true;
            try
            {
                StartLocked();
            }
            catch (BpfException ex)
            {
                ReleaseLocked();
                throw new UnavailableException(ErrorCode, $"source {Descriptor.Id}: {ex.Message}", ex.Detail, ex);
            }
            catch (DllNotFoundException ex)
            {
                ReleaseLocked();
                throw new UnavailableException(ErrorCode, $"source {Descriptor.Id}: libbpf is not available: {ex.Message}", null, ex);
            }
            catch
            {
                ReleaseLocked();
                throw;
            }
        }
    }

    /// <summary>Detaches the programs; what was in progress in the kernel is not measured.</summary>
    public void Pause()
    {
        lock (Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            DetachLocked();
        }
    }

    public void Resume()
    {
        lock (Gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (KernelObject is not null && _links.Count == 0)
            {
                AttachLocked();
            }
        }
    }

    public void Dispose()
    {
        WindowLoop? loop;
        RingReader? reader;
        lock (Gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            DetachLocked();
            loop = Loop;
            reader = Reader;
            if (loop is null)
            {
                ReleaseLocked();
                return;
            }
        }

        // The reader publishes the records still in the ring, then the loop collects the last window
        // and releases the kernel objects.
        reader?.Dispose();
        loop.Dispose();
    }

    /// <summary>Loads the object, builds the loop (with <see cref="Release"/> as its release callback), attaches and starts; under the gate.</summary>
    protected abstract void StartLocked();

    /// <summary>The source's own counters, before the common ones.</summary>
    protected abstract IEnumerable<SourceCounter> OwnCounters();

    protected void AttachLocked()
    {
        foreach (var program in KernelObject!.Programs)
        {
            if (!AttachesItself(program))
            {
                _links.Add(program.Attach());
            }
        }

        _links.AddRange(AttachOwn());
    }

    /// <summary>
    /// Programs the source attaches itself in <see cref="AttachOwn"/> rather than by their section: a
    /// perf_event program needs its events, an optional hook may be missing on this kernel.
    /// </summary>
    protected virtual bool AttachesItself(BpfProgram program) => false;

    /// <summary>Attaches the programs <see cref="AttachesItself"/> named; what it returns is disposed to detach (on pause and dispose).</summary>
    protected virtual IEnumerable<IDisposable> AttachOwn() => [];

    /// <summary>Reads the object's kernel counters and its programs' cost.</summary>
    protected void Refresh()
    {
        var kernel = KernelObject!.Counters.Read();
        var cost = KernelObject.Cost();
        lock (Gate)
        {
            Volatile.Write(ref _kernel, kernel);
            _cost = cost;
        }
    }

    /// <summary>The window loop's release callback: the kernel objects go once it has collected the last window.</summary>
    protected void Release()
    {
        lock (Gate)
        {
            ReleaseLocked();
        }
    }

    private void DetachLocked()
    {
        foreach (var link in _links)
        {
            link.Dispose();
        }

        _links.Clear();
    }

    private void ReleaseLocked()
    {
        DetachLocked();
        KernelObject?.Dispose();
        KernelObject = null;
    }
}
