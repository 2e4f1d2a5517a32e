using SystemScope.Core.Analyses;
using SystemScope.Core.Events;
using SystemScope.Core.Events.Activity;
using SystemScope.Core.Events.BlockIo;
using SystemScope.Core.Sessions;
using SystemScope.Kernel.Tests.Infrastructure;
using SystemScope.Sources.BlockIo;
using SystemScope.Sources.Process;
using SystemScope.Sources.Processes;

namespace SystemScope.Kernel.Tests.BlockIo;

/// <summary>
/// A real session with the process source and the block I/O source (options as command-line text),
/// recording every <see cref="BlockIoStats"/> and block I/O <see cref="ActivitySpan"/> from the
/// session's direct bus.
/// </summary>
internal sealed class BlockIoSession : IDisposable, IEventSink<BlockIoStats>, IEventSink<ActivitySpan>
{
    private readonly Lock _gate = new();
    private readonly List<Event<BlockIoStats>> _stats = [];
    private readonly List<Event<ActivitySpan>> _spans = [];
    private readonly SessionManager _manager;

    private BlockIoSession(IReadOnlyDictionary<string, string> options, ProcessFilter filter)
    {
        KernelRequirement.EnsureRoot();
        _manager = new SessionManager(
            sources: [new ProcessSourceProvider(ProcessSourceOptions.Default), new BlockIoSourceProvider()],
            analyses: Array.Empty<IAnalysisProvider>(),
            participants: [new Recording(this)],
            processes: new ProcessTable(),
            agentPid: Environment.ProcessId);
        try
        {
            Session = _manager.Start(new SessionSpec
            {
                Sources = [SourceRequest.Named("blockio") with { TextOptions = options }],
                Filter = filter,
                Lease = SessionLease.Detached(),
            });
        }
        catch
        {
            _manager.Dispose();
            throw;
        }
    }

    public Session Session { get; }

    public static BlockIoSession Start(IReadOnlyDictionary<string, string>? options = null, ProcessFilter? filter = null) =>
        new(options ?? new Dictionary<string, string>(), filter ?? ProcessFilter.All);

    public IReadOnlyList<Event<BlockIoStats>> Stats
    {
        get
        {
            lock (_gate)
            {
                return [.. _stats];
            }
        }
    }

    public IReadOnlyList<Event<ActivitySpan>> Spans
    {
        get
        {
            lock (_gate)
            {
                return [.. _spans];
            }
        }
    }

    /// <summary>Bytes of completed requests of one process, operation and device.</summary>
    public long Bytes(int pid, BlockIoOp op, string device) =>
        Stats.Where(e => e.Header.Pid == pid && e.Payload.Op == op && e.Payload.Device == device).Sum(e => e.Payload.Bytes);

    /// <summary>Waits until <paramref name="count"/> more windows have been drained and published.</summary>
    public void WaitForWindows(int count)
    {
        var target = Counters()["windows"] + count;
        var deadline = DateTime.UtcNow + EventRecorder.Patience;
        while (Counters()["windows"] < target)
        {
            Assert.True(DateTime.UtcNow < deadline, $"fewer than {count} windows within {EventRecorder.Patience}");
            Thread.Sleep(50);
        }
    }

    public IReadOnlyDictionary<string, long> Counters() =>
        Session.Snapshot().Sources.Single(s => s.Id == "blockio").Counters.ToDictionary(c => c.Name, c => c.Value);

    public void OnEvents(ReadOnlySpan<Event<BlockIoStats>> events)
    {
        lock (_gate)
        {
            _stats.AddRange(events.ToArray());
        }
    }

    public void OnEvents(ReadOnlySpan<Event<ActivitySpan>> events)
    {
        lock (_gate)
        {
            foreach (var e in events)
            {
                if (e.Header.Kind == BlockIoSpans.SlowRequest)
                {
                    _spans.Add(e);
                }
            }
        }
    }

    public void Dispose() => _manager.Dispose();

    private sealed class Recording(BlockIoSession owner) : ISessionParticipant
    {
        public void Join(Session session)
        {
            session.DirectBus.Subscribe<BlockIoStats>(owner);
            session.DirectBus.Subscribe<ActivitySpan>(owner);
        }

        public void Leave(Session session)
        {
        }
    }
}

/// <summary>The block device that holds a directory, by the device number its files report.</summary>
internal static class TestDisk
{
    /// <summary>
    /// The fewest requests <paramref name="bytes"/> written can take on the device: the block layer
    /// merges adjacent requests up to the queue's largest (max_sectors_kb; a partition's is its disk's).
    /// </summary>
    public static long FewestRequests(string device, long bytes)
    {
        var own = $"/sys/class/block/{device}/queue/max_sectors_kb";
        var disk = $"/sys/class/block/{device}/../queue/max_sectors_kb";
        var largest = long.Parse(File.ReadAllText(File.Exists(own) ? own : disk).Trim(), System.Globalization.CultureInfo.InvariantCulture) * 1024;
        return (bytes + largest - 1) / largest;
    }

    /// <summary>A directory on the machine's real disk (not tmpfs): where the workloads write.</summary>
    public const string Directory = "/var/tmp";

    /// <summary>The name of the block device with this <c>major:minor</c>, as sysfs gives it.</summary>
    public static string NameOf(string majorMinor)
    {
        var uevent = $"/sys/dev/block/{majorMinor}/uevent";
        Assert.True(File.Exists(uevent), $"{Directory} is not on a block device ({majorMinor} is not in /sys/dev/block): the block I/O tests need a real disk there");
        var line = File.ReadAllLines(uevent).Single(l => l.StartsWith("DEVNAME=", StringComparison.Ordinal));
        return line["DEVNAME=".Length..];
    }
}
