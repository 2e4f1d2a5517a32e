using System.Globalization;
using SystemScope.Core.Analyses;
using SystemScope.Core.Sessions;
using SystemScope.Sources.Cpu;
using SystemScope.Sources.Process;
using SystemScope.Sources.Processes;

namespace SystemScope.Kernel.Tests.Infrastructure;

/// <summary>
/// A real session started by a real <see cref="SessionManager"/> with the real sources (the process
/// source and, unless left out, the CPU source), and a recorder on the session's direct bus, which
/// sees batches in the order the sources publish them (what symbolisation sees). The agent side of a
/// kernel test.
/// </summary>
internal sealed class SessionHarness : IDisposable
{
    private SessionHarness(SessionManager manager, Session session, EventRecorder recorder)
    {
        Manager = manager;
        Session = session;
        Recorder = recorder;
    }

    public SessionManager Manager { get; }

    public Session Session { get; }

    public EventRecorder Recorder { get; }

    public CpuSource Cpu => (CpuSource)Session.Sources.Single(s => s.Descriptor.Id == "cpu").Live;

    public ProcessSource Process => (ProcessSource)Session.Sources.Single(s => s.Descriptor.Id == "process").Live;

    public static SessionHarness Start(
        ProcessFilter? filter = null,
        int frequencyHz = 999,
        bool includeAgent = false,
        bool withCpu = true,
        CpuSourceOptions? cpu = null,
        ProcessSourceOptions? process = null)
    {
        KernelRequirement.EnsureRoot();
        var recorder = new EventRecorder();
        var manager = new SessionManager(
            sources: [new ProcessSourceProvider(process ?? ProcessSourceOptions.Default), new CpuSourceProvider(cpu ?? CpuSourceOptions.Default)],
            analyses: Array.Empty<IAnalysisProvider>(),
            participants: [new Recording(recorder)],
            processes: new ProcessTable(),
            agentPid: Environment.ProcessId);
        try
        {
            var session = manager.Start(new SessionSpec
            {
                Sources = [withCpu
                    ? SourceRequest.Named("cpu") with { TextOptions = new Dictionary<string, string> { ["frequency"] = frequencyHz.ToString(CultureInfo.InvariantCulture) } }
                    : SourceRequest.Named("process")],
                Filter = filter ?? ProcessFilter.All,
                IncludeAgent = includeAgent,
                Lease = SessionLease.Detached(),
            });
            return new SessionHarness(manager, session, recorder);
        }
        catch
        {
            manager.Dispose();
            throw;
        }
    }

    /// <summary>Changes the session's filter live, as the API does.</summary>
    public void SetFilter(ProcessFilter filter) => Manager.SetFilter(Session.Id, filter);

    /// <summary>Waits until <paramref name="count"/> more windows have been drained and published.</summary>
    public void WaitForWindows(int count) => Recorder.WaitForWindows(count, () => (int)Cpu.Windows);

    /// <summary>A source's counters as the session reports them.</summary>
    public IReadOnlyDictionary<string, long> Counters(string sourceId) =>
        Session.Snapshot().Sources.Single(s => s.Id == sourceId).Counters.ToDictionary(c => c.Name, c => c.Value);

    /// <summary>Stops the session (its sources publish what they hold) and the manager.</summary>
    public void Dispose() => Manager.Dispose();

    private sealed class Recording(EventRecorder recorder) : ISessionParticipant
    {
        public void Join(Session session) => recorder.Attach(session.DirectBus);

        public void Leave(Session session)
        {
        }
    }
}
