using System.Runtime.InteropServices;
using SystemScope.Bpf.Interop;

namespace SystemScope.Bpf;

/// <summary>
/// Receives ring buffer records. The span points into the kernel's ring and is valid only during the
/// call: decode it into a value right away, never keep a reference to it.
/// </summary>
public interface IRingBufferConsumer
{
    void OnRecord(ReadOnlySpan<byte> record);
}

/// <summary>
/// A reader of one BPF ring buffer map. Producers here submit with batched wakeups, so a reader calls
/// <see cref="Poll"/> with a timeout and then <see cref="Consume"/>: poll returns on a wakeup or the
/// timeout, and records submitted without a wakeup are only collected by consume. Use from one thread.
/// </summary>
public sealed unsafe class RingBuffer : IDisposable
{
    private readonly RingBufferHandle _handle;
    private readonly IRingBufferConsumer _consumer;
    private long _consumerErrors;

    private RingBuffer(BpfMap map, IRingBufferConsumer consumer)
    {
        MapName = map.Name;
        _consumer = consumer;
        _handle = new RingBufferHandle(this, map);
    }

    public string MapName { get; }

    /// <summary>Records whose consumer threw (the exception is swallowed: it cannot unwind through libbpf).</summary>
    public long ConsumerErrors => Interlocked.Read(ref _consumerErrors);

    /// <summary>The last exception a consumer threw, for diagnostics.</summary>
    public Exception? LastConsumerError { get; private set; }

    public static RingBuffer Open(BpfMap map, IRingBufferConsumer consumer)
    {
        ArgumentNullException.ThrowIfNull(map);
        ArgumentNullException.ThrowIfNull(consumer);
        if (map.Type != BpfConstants.MapTypeRingBuffer)
        {
            throw new ArgumentException($"map {map.Name} is not a ring buffer (type {map.Type})", nameof(map));
        }

        return new RingBuffer(map, consumer);
    }

    /// <summary>Waits up to <paramref name="timeoutMs"/> for a wakeup and consumes what is there. Returns the records consumed.</summary>
    public int Poll(int timeoutMs)
    {
        var added = false;
        _handle.DangerousAddRef(ref added);
        try
        {
            var result = Libbpf.RingBufferPoll(_handle.DangerousGetHandle(), timeoutMs);
            // The runtime interrupts threads with signals (GC suspension): EINTR is not an error.
            return result >= 0 || result == -Errno.EINTR ? Math.Max(result, 0) : throw Error("poll", result);
        }
        finally
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }
    }

    /// <summary>
    /// Waits up to <paramref name="timeoutMs"/> for a wakeup without consuming anything (unlike
    /// <see cref="Poll"/>), so that consuming can happen elsewhere, under the caller's lock. True when
    /// woken: records are waiting.
    /// </summary>
    public unsafe bool Wait(int timeoutMs)
    {
        var added = false;
        _handle.DangerousAddRef(ref added);
        try
        {
            var events = stackalloc byte[16];
            var result = Libc.EpollWait(Libbpf.RingBufferEpollFd(_handle.DangerousGetHandle()), events, 1, timeoutMs);
            if (result < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                return errno == Errno.EINTR ? false : throw Error("wait", -errno);
            }

            return result > 0;
        }
        finally
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }
    }

    /// <summary>Consumes every record available now, without waiting. Returns the records consumed.</summary>
    public int Consume()
    {
        var added = false;
        _handle.DangerousAddRef(ref added);
        try
        {
            var result = Libbpf.RingBufferConsume(_handle.DangerousGetHandle());
            return result >= 0 ? result : throw Error("consume", result);
        }
        finally
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }
    }

    public void Dispose() => _handle.Dispose();

    [UnmanagedCallersOnly]
    private static int OnSample(nint context, void* data, nuint size)
    {
        RingBuffer? reader = null;
        try
        {
            reader = (RingBuffer?)GCHandle.FromIntPtr(context).Target;
            reader?._consumer.OnRecord(new ReadOnlySpan<byte>(data, checked((int)size)));
        }
        catch (Exception ex)
        {
            if (reader is not null)
            {
                reader._consumerErrors++;
                reader.LastConsumerError = ex;
            }
        }

        // 0: keep consuming. One bad record must not stall the ring.
        return 0;
    }

    private BpfException Error(string operation, int err) =>
        new($"ring buffer {MapName}: {operation}: {Errno.Describe(err)}", err);

    /// <summary>Owns the libbpf ring_buffer, the GC handle its callback context points to, and a reference on the map's object.</summary>
    private sealed class RingBufferHandle : SafeHandle
    {
        private readonly BpfObjectHandle _owner;
        private GCHandle _self;
        private bool _ownerAdded;

        internal RingBufferHandle(RingBuffer reader, BpfMap map)
            : base(0, ownsHandle: true)
        {
            _owner = map.Owner.Handle;
            // The ring buffer mmaps the map: keep the object (and its fd) alive as long as we are.
            _owner.DangerousAddRef(ref _ownerAdded);
            // Weak: an abandoned reader can still be finalized (the callback only runs inside its own calls).
            _self = GCHandle.Alloc(reader, GCHandleType.Weak);
            var rb = Libbpf.RingBufferNew(map.Fd, &OnSample, GCHandle.ToIntPtr(_self), null);
            if (rb == 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                FreeContext();
                throw new BpfException($"ring buffer {map.Name}: open: {Errno.Describe(errno)}", errno);
            }

            SetHandle(rb);
        }

        public override bool IsInvalid => handle == 0;

        protected override bool ReleaseHandle()
        {
            Libbpf.RingBufferFree(handle);
            FreeContext();
            return true;
        }

        private void FreeContext()
        {
            if (_self.IsAllocated)
            {
                _self.Free();
            }

            if (_ownerAdded)
            {
                _ownerAdded = false;
                _owner.DangerousRelease();
            }
        }
    }
}
