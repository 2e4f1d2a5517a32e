using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Activity;
using SystemScope.Core.Events.Syscalls;
using SystemScope.Core.Sources;
using SystemScope.Sources.Kit;
using SystemScope.Sources.Process;

namespace SystemScope.Sources.Syscalls;

/// <summary>
/// Syscalls for one session, on the BPF kit. Start loads <c>syscalls.bpf.o</c> with the session's shared
/// maps and attaches sys_enter and sys_exit (tp_btf, else raw_tp). Once per window the loop flips the
/// double buffer and publishes the quiet slot's per-(process, syscall) figures as
/// <see cref="SyscallStats"/>; a ring reader publishes calls slower than the threshold as
/// <see cref="ActivitySpan"/> (kind <c>syscall.slow</c>) with their user stack and, for calls on a file
/// descriptor, what it refers to.
/// </summary>
internal sealed class SyscallsSource(SourceContext context) : KitSource
{
    private static readonly TimeSpan FirstWindow = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(2);

    private readonly HashMapDrainer<SyscallKey, SyscallCounts> _callsDrainer = new(256);
    private readonly HashMapDrainer<SyscallErrorKey, ulong> _errorsDrainer = new(64);
    private readonly List<(SyscallKey Key, SyscallCounts Value)> _calls = [];
    private readonly List<(SyscallErrorKey Key, ulong Count)> _errors = [];
    private readonly SyscallTable _table = SyscallTable.Current;
    private DoubleBuffer? _slots;
    private SlowCallDecoder? _slow;
    private SinkLanes? _lanes;
    private ProcessNames? _names;
    private ProcessChannel? _channel;
    private long _collected;

    public override SourceDescriptor Descriptor => SyscallsSourceProvider.SourceDescriptor;

    protected override string ObjectName => SyscallsSchema.Object.Name;

    protected override IEnumerable<SourceCounter> OwnCounters() =>
    [
        new("collected", Interlocked.Read(ref _collected), CounterKind.Events, "calls measured in the kernel and collected"),
        new("timeline.spans", _slow?.Published ?? 0, CounterKind.Events, "slow calls sent to the timeline"),
    ];

    protected override void StartLocked()
    {
        var options = context.Options;
        var only = options.Get(SyscallsSourceProvider.Syscalls);
        Shared = SharedKernelMaps.For(context);
        KernelObject = KitObject.Load(SyscallsSchema.Object, Shared, setup =>
        {
            setup.Set(SyscallsSchema.PerThread, options.Get(SyscallsSourceProvider.PerThread));
            setup.Set(SyscallsSchema.SlowNs, (ulong)options.Get(SyscallsSourceProvider.SlowUs) * 1000);
            setup.Set(SyscallsSchema.SlowCapPerCpu, (uint)options.Get(SyscallsSourceProvider.SlowCap));
            setup.Set(SyscallsSchema.SlowStacks, options.Get(SyscallsSourceProvider.SlowStacks));
            setup.Set(SyscallsSchema.NumberFilter, only.Count > 0);
        });
        var wanted = KernelObject.Map(SyscallsSchema.WantedNumbers);
        foreach (var name in only)
        {
            if (_table.NumberOf(name) is { } nr and >= 0 and < 1024)
            {
                wanted.Update((uint)nr, (byte)1);
            }
        }

        _slots = new DoubleBuffer(KernelObject.Map(KitSchema.ActiveSlot), Settle);
        _names = ProcessNames.For(context);
        _channel = ProcessChannel.Of(context);
        _lanes = new SinkLanes(context.Sink, 2);
        _slow = new SlowCallDecoder(_table);
        Reader = new RingReader("systemscope syscalls slow calls", _lanes[1], Poll);
        Reader.Add(KernelObject.Map(SyscallsSchema.Slow), _slow);
        Loop = new WindowLoop("systemscope syscalls source", _lanes[0], context.Window, FirstWindow, Poll, CollectWindow, CollectFinal, Release);
        AttachLocked();
        Mechanisms = [.. KernelObject.Sections.Distinct(), Tracefs.Note];
        Reader.Start();
        Loop.Start();
    }

    private long CollectWindow(long startNs)
    {
        var endNs = _slots!.DrainWindow(Drain);
        Publish(startNs, endNs);
        return endNs;
    }

    private long CollectFinal(long startNs)
    {
        var endNs = _slots!.DrainFinal(Drain);
        Publish(startNs, endNs);
        return endNs;
    }

    /// <summary>Adds a slot's maps to the window's lists (more: the window's second slot, at the final drain).</summary>
    private void Drain(int slot, bool more)
    {
        if (!more)
        {
            _calls.Clear();
            _errors.Clear();
        }

        _callsDrainer.Drain(KernelObject!.Map(SyscallsSchema.Calls(slot)), (in SyscallKey key, in SyscallCounts value) => _calls.Add((key, value)));
        _errorsDrainer.Drain(KernelObject.Map(SyscallsSchema.Errors(slot)), (in SyscallErrorKey key, in ulong count) => _errors.Add((key, count)));
    }

    private void Publish(long startNs, long endNs)
    {
        _channel?.Flush();
        var errnos = _errors
            .GroupBy(e => (e.Key.Tgid, e.Key.Number))
            .ToDictionary(
                g => g.Key,
                g => (IReadOnlyList<(string, long)>)[.. g.GroupBy(e => e.Key.Errno).Select(e => (ErrnoNames.Of(e.Key), e.Sum(x => (long)x.Count))).OrderByDescending(e => e.Item2)]);
        var events = new List<Event<SyscallStats>>();

        // Both slots at the final drain: the same key may come twice.
        foreach (var group in _calls.GroupBy(c => (c.Key.Tgid, c.Key.Tid, c.Key.Number)))
        {
            var buckets = new long[SyscallsSchema.Buckets];
            long count = 0, errors = 0, total = 0, max = 0;
            foreach (var (_, s) in group)
            {
                ReadOnlySpan<ulong> values = s.Buckets;
                for (var i = 0; i < buckets.Length; i++)
                {
                    buckets[i] += (long)values[i];
                    count += (long)values[i]; // the kernel counts each call once, in its bucket
                }

                errors += (long)s.Errors;
                total += (long)s.TotalNs;
                max = Math.Max(max, (long)s.MaxNs);
            }

            var (tgid, tid, nr) = group.Key;
            var header = new EventHeader(SyscallStats.Kind, startNs, (int)tgid, (int)tid) { DurationNs = endNs - startNs };

            // Per thread, each thread's row carries its process's errnos: the kernel keeps them per process.
            var byErrno = errnos.GetValueOrDefault((tgid, nr)) ?? [];
            events.Add(new Event<SyscallStats>(header, new SyscallStats((int)nr, _table.NameOf((int)nr), _names!.NameOf((int)tgid), count, errors, total, max, buckets, byErrno)));
            Interlocked.Add(ref _collected, count);
        }

        Refresh();
        context.Sink.Publish(new EventBatch<SyscallStats>([.. events]));
        _lanes![0].Advance(endNs);
    }

    /// <summary>Decodes <c>struct syscall_slow</c> into <see cref="ActivitySpan"/> events.</summary>
    private sealed class SlowCallDecoder(SyscallTable table) : IRecordBatcher
    {
        private readonly List<Event<ActivitySpan>> _pending = [];
        private long _published;

        public long Published => Interlocked.Read(ref _published);

        public void OnRecord(ReadOnlySpan<byte> record)
        {
            if (record.Length < Unsafe.SizeOf<SlowCall>())
            {
                return;
            }

            ref readonly var r = ref MemoryMarshal.AsRef<SlowCall>(record);
            var nr = (int)r.Number;
            var name = table.NameOf(nr);
            var detail = new List<string>();
            if (table.TakesFd(nr))
            {
                var fd = (int)r.Arg0;
                detail.Add("fd " + fd.ToString(CultureInfo.InvariantCulture) + (FdTarget((int)r.Tgid, fd) is { } target ? " " + target : string.Empty));
            }

            if (r.Return is < 0 and >= -4095)
            {
                detail.Add("→ " + ErrnoNames.Of((uint)-r.Return));
            }

            ReadOnlySpan<ulong> frames = r.UserStack;
            var stack = frames[..(int)Math.Min(r.UserLength, (uint)frames.Length)].ToArray();
            var header = new EventHeader(SlowSyscall.Kind, (long)r.StartNs, (int)r.Tgid, (int)r.Tid) { DurationNs = (long)r.DurationNs };
            _pending.Add(new Event<ActivitySpan>(header, new ActivitySpan("syscall", name, string.Join(' ', detail), string.Empty, stack, ReadOnlyMemory<ulong>.Empty)
            {
                ThreadName = r.Comm.ToString(),
            }));
        }

        public void Flush(ISourceSink sink)
        {
            if (_pending.Count == 0)
            {
                return;
            }

            var batch = new EventBatch<ActivitySpan>([.. _pending]);
            _pending.Clear();
            Interlocked.Add(ref _published, batch.Count);
            sink.Publish(batch);
        }

        /// <summary>What the descriptor refers to now (a path, <c>socket:[inode]</c>, <c>pipe:[inode]</c>), or null when it is gone.</summary>
        private static string? FdTarget(int pid, int fd)
        {
            if (fd < 0)
            {
                return null;
            }

            try
            {
                return new FileInfo($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/fd/{fd.ToString(CultureInfo.InvariantCulture)}").LinkTarget;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }
    }
}
