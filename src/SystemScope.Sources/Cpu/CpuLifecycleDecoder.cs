using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SystemScope.Bpf;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Process;

namespace SystemScope.Sources.Cpu;

/// <summary>
/// Decodes <c>struct cpu_proc_event</c> ring buffer records into <see cref="ProcessLifecycle"/> events,
/// collected into a batch the reader publishes after each poll, and keeps <see cref="ProcessNames"/>
/// current. Runs inside the ring buffer callback: copies values out, keeps no reference to the record.
/// </summary>
internal sealed class CpuLifecycleDecoder(ProcessNames names) : IRingBufferConsumer
{
    private readonly List<Event<ProcessLifecycle>> _batch = [];

    /// <summary>Records too short or of an unknown kind (an object and source out of step).</summary>
    public long Malformed { get; private set; }

    public ReadOnlySpan<Event<ProcessLifecycle>> Batch => CollectionsMarshal.AsSpan(_batch);

    public int Pending => _batch.Count;

    public void Clear() => _batch.Clear();

    public void OnRecord(ReadOnlySpan<byte> record)
    {
        if (record.Length < Unsafe.SizeOf<CpuProcEvent>())
        {
            Malformed++;
            return;
        }

        var e = MemoryMarshal.Read<CpuProcEvent>(record);
        ProcessChange change;
        switch ((CpuProcKind)e.Kind)
        {
            case CpuProcKind.Seen:
                change = ProcessChange.Seen;
                break;
            case CpuProcKind.Exec:
                change = ProcessChange.Exec;
                break;
            case CpuProcKind.Exit:
                change = ProcessChange.Exit;
                break;
            default:
                Malformed++;
                return;
        }

        var tgid = (int)e.Tgid;
        var name = names.Intern(record.Slice(CpuProcEvent.CommOffset, CpuProcEvent.CommLength));
        if (change == ProcessChange.Exit)
        {
            names.Exited(tgid);
        }
        else
        {
            names.Named(tgid, name);
        }

        var header = new EventHeader(ProcessLifecycle.KindOf(change), (long)e.TimestampNs, tgid, (int)e.Tid);
        _batch.Add(new Event<ProcessLifecycle>(header, new ProcessLifecycle(change, name)));
    }
}
