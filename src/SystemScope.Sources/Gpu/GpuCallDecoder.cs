using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Activity;
using SystemScope.Core.Events.Gpu;
using SystemScope.Core.Sources;
using SystemScope.Sources.Gpu.Catalogue;
using SystemScope.Sources.Kit;
using SystemScope.Sources.Process;

namespace SystemScope.Sources.Gpu;

/// <summary>
/// Decodes <c>struct gpu_call</c> into <see cref="GpuApiCall"/> events by the catalogue's tables, keeps each
/// process's kernel handle → name map from the name-resolving calls, and makes an <see cref="ActivitySpan"/>
/// of every synchronisation and every call at least <paramref name="slowNs"/> long, on a device track per
/// process and stream.
/// </summary>
internal sealed class GpuCallDecoder(GpuCatalogue catalogue, KernelNames names, ProcessNames processes, ProcessChannel? channel, long slowNs) : IRecordBatcher
{
    private readonly List<Event<GpuApiCall>> _calls = [];
    private readonly List<Event<ActivitySpan>> _spans = [];
    private long _published;
    private long _spansPublished;
    private long _unknown;

    public long Published => Interlocked.Read(ref _published);

    public long SpansPublished => Interlocked.Read(ref _spansPublished);

    /// <summary>Records naming no catalogued function (an object and a source built from different tables).</summary>
    public long Unknown => Interlocked.Read(ref _unknown);

    public void OnRecord(ReadOnlySpan<byte> record)
    {
        if (record.Length < Unsafe.SizeOf<GpuCallRecord>())
        {
            return;
        }

        ref readonly var r = ref MemoryMarshal.AsRef<GpuCallRecord>(record);
        if (r.Function >= (uint)catalogue.Count)
        {
            Interlocked.Increment(ref _unknown);
            return;
        }

        var (vendor, function) = catalogue[(int)r.Function];
        var pid = (int)r.Tgid;
        var kernelName = string.Empty;
        if (function.Names is { } lookup)
        {
            kernelName = NameOf(r);
            var handle = CallValues.Read(r, function, lookup.Handle);
            if (handle != 0 && kernelName.Length > 0)
            {
                names.Add(pid, handle, kernelName);
            }
        }
        else if (function.KernelHandle.IsSet)
        {
            kernelName = names.Find(pid, CallValues.Read(r, function, function.KernelHandle)) ?? string.Empty;
        }

        ReadOnlySpan<ulong> frames = r.UserStack;
        var stack = frames[..(int)Math.Min(r.UserLength, (uint)frames.Length)].ToArray();
        var stream = CallValues.Read(r, function, function.Stream);
        var call = new GpuApiCall(
            vendor.Id,
            function.Name,
            ClassOf(r, function),
            kernelName,
            CallValues.Read(r, function, function.KernelAddress),
            (long)CallValues.Read(r, function, function.Bytes),
            CallValues.Read(r, function, function.DevicePointer),
            stream,
            CallValues.Dims(r, function, function.Grid),
            CallValues.Dims(r, function, function.Block),
            (int)CallValues.Read(r, function, function.Result),
            stack)
        {
            ThreadName = r.Comm.ToString(),
            ProcessName = processes.NameOf(pid),
        };
        var header = new EventHeader(GpuApiCall.Kind, (long)r.StartNs, pid, (int)r.Tid) { DurationNs = (long)r.DurationNs };
        _calls.Add(new Event<GpuApiCall>(header, call));
        if (call.Class == GpuCallClass.Synchronize || (slowNs > 0 && (long)r.DurationNs >= slowNs))
        {
            _spans.Add(new Event<ActivitySpan>(header with { Kind = GpuCallSpan.Kind }, Span(pid, function, call)));
        }
    }

    public void Flush(ISourceSink sink)
    {
        if (_calls.Count == 0)
        {
            return;
        }

        // The processes these calls announced go first: symbolisation must know them before their stacks.
        channel?.Flush();
        var calls = new EventBatch<GpuApiCall>([.. _calls]);
        _calls.Clear();
        Interlocked.Add(ref _published, calls.Count);
        sink.Publish(calls);
        if (_spans.Count > 0)
        {
            var spans = new EventBatch<ActivitySpan>([.. _spans]);
            _spans.Clear();
            Interlocked.Add(ref _spansPublished, spans.Count);
            sink.Publish(spans);
        }
    }

    /// <summary>The device track of a process's stream: <c>cuda pid 1234 stream 0x7f…</c>.</summary>
    public static string DeviceTrack(string vendor, int pid, string noun, ulong stream) =>
        string.Create(CultureInfo.InvariantCulture, $"{vendor} pid {pid} {noun} 0x{stream:x}");

    private static ActivitySpan Span(int pid, GpuFunction function, in GpuApiCall call)
    {
        var target = function.Stream.IsSet ? string.Create(CultureInfo.InvariantCulture, $"{function.StreamNoun} 0x{call.Stream:x}") : "the device";
        var detail = call.Class switch
        {
            GpuCallClass.Synchronize => target + " (waiting on GPU)",
            GpuCallClass.Launch => target + (call.KernelName.Length > 0 ? ", kernel " + call.KernelName : string.Empty),
            _ when call.Bytes > 0 => string.Create(CultureInfo.InvariantCulture, $"{target}, {call.Bytes} bytes"),
            _ => target,
        };
        return new ActivitySpan("gpu", call.Function, detail, DeviceTrack(call.Vendor, pid, function.StreamNoun, call.Stream), call.UserStack, ReadOnlyMemory<ulong>.Empty)
        {
            ThreadName = call.ThreadName,
        };
    }

    /// <summary>A copy's direction from its <c>cudaMemcpyKind</c> argument where the function has one.</summary>
    private static GpuCallClass ClassOf(in GpuCallRecord r, GpuFunction function)
    {
        if (function.CopyKindArgument == 0)
        {
            return function.Class;
        }

        return CallValues.Read(r, function, ValueRef.Arg32(function.CopyKindArgument)) switch
        {
            1 => GpuCallClass.CopyHostToDevice,
            2 => GpuCallClass.CopyDeviceToHost,
            3 => GpuCallClass.CopyDeviceToDevice,
            _ => GpuCallClass.Copy,
        };
    }

    private static string NameOf(in GpuCallRecord r)
    {
        ReadOnlySpan<byte> bytes = r.Name;
        var end = bytes.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? bytes : bytes[..end]);
    }
}

/// <summary>Kernel names by (process, handle), from the name-resolving calls; bounded, the oldest process's names go first.</summary>
internal sealed class KernelNames
{
    private const int MaxNames = 100_000;

    private readonly Dictionary<(int Pid, ulong Handle), string> _names = [];
    private readonly Dictionary<string, string> _interned = new(StringComparer.Ordinal);

    public int Count => _names.Count;

    public void Add(int pid, ulong handle, string name)
    {
        if (_names.Count >= MaxNames)
        {
            var oldest = _names.Keys.First().Pid;
            foreach (var key in _names.Keys.Where(k => k.Pid == oldest).ToList())
            {
                _names.Remove(key);
            }
        }

        if (!_interned.TryGetValue(name, out var interned))
        {
            _interned[name] = interned = name;
        }

        _names[(pid, handle)] = interned;
    }

    public string? Find(int pid, ulong handle) => _names.GetValueOrDefault((pid, handle));
}
