using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Process;
using SystemScope.Core.Sources;
using SystemScope.Sources.Kit;

namespace SystemScope.Sources.Process;

/// <summary>
/// Decodes <c>struct ss_proc_event</c> records (the process source's own and the other sources'
/// "seen" announcements) into <see cref="ProcessLifecycle"/> events and keeps the session's
/// <see cref="ProcessNames"/> current. Runs inside the ring buffer callback: copies values out.
/// </summary>
internal sealed class ProcessEventDecoder(ProcessNames names) : IRecordBatcher
{
    private readonly List<Event<ProcessLifecycle>> _pending = [];
    private long _events;
    private long _malformed;

    public long Events => Interlocked.Read(ref _events);

    /// <summary>Records too short or of an unknown kind (an object and source out of step).</summary>
    public long Malformed => Interlocked.Read(ref _malformed);

    public void OnRecord(ReadOnlySpan<byte> record)
    {
        if (record.Length < Unsafe.SizeOf<ProcEvent>() || Change((ProcKind)MemoryMarshal.Read<ProcEvent>(record).Kind) is not { } change)
        {
            Interlocked.Increment(ref _malformed);
            return;
        }

        var e = MemoryMarshal.Read<ProcEvent>(record);
        var tgid = (int)e.Tgid;
        var tid = (int)e.Tid;
        var name = names.Intern(e.Comm);
        switch (change)
        {
            case ProcessChange.Seen or ProcessChange.Fork or ProcessChange.Exec:
                names.Named(tgid, name);
                break;
            case ProcessChange.Rename when tid == tgid:
                names.Named(tgid, name); // the leader's name is the process's name
                break;
            case ProcessChange.Exit:
                names.Exited(tgid);
                break;
        }

        var timestamp = (long)e.TimestampNs;
        var header = new EventHeader(ProcessLifecycle.KindOf(change), timestamp, tgid, tid);
        var forked = change is ProcessChange.Fork or ProcessChange.ThreadStart;
        var cause = forked ? new CausalLink(CausalRelation.ForkedFrom, (int)e.ParentTgid, (int)e.ParentTid, timestamp) : CausalLink.None;
        _pending.Add(new Event<ProcessLifecycle>(header, new ProcessLifecycle(change, name, change == ProcessChange.Fork ? (int)e.ParentTgid : 0), cause));
    }

    public void Flush(ISourceSink sink)
    {
        if (_pending.Count == 0)
        {
            return;
        }

        var batch = new EventBatch<ProcessLifecycle>([.. _pending]);
        _pending.Clear();
        Interlocked.Add(ref _events, batch.Count);
        sink.Publish(batch);
    }

    private static ProcessChange? Change(ProcKind kind) => kind switch
    {
        ProcKind.Seen => ProcessChange.Seen,
        ProcKind.Fork => ProcessChange.Fork,
        ProcKind.Exec => ProcessChange.Exec,
        ProcKind.Exit => ProcessChange.Exit,
        ProcKind.Rename => ProcessChange.Rename,
        ProcKind.ThreadStart => ProcessChange.ThreadStart,
        ProcKind.ThreadExit => ProcessChange.ThreadExit,
        _ => null,
    };
}
