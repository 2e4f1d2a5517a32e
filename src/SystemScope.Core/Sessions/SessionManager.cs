using System.Collections.Concurrent;
using System.Security.Cryptography;
using SystemScope.Core.Analyses;
using SystemScope.Core.Errors;
using SystemScope.Core.Options;
using SystemScope.Core.Sources;

namespace SystemScope.Core.Sessions;

/// <summary>
/// Starts, finds and stops sessions. Several can run at once, each with its own sources; with no
/// session running nothing is attached and no timer runs. Sessions whose lease expires (nobody
/// viewing for the grace period, or their duration reached) are stopped; the last few stopped
/// sessions are remembered so a client can learn why its session ended.
/// </summary>
public sealed class SessionManager : IDisposable
{
    public const int MaxSessions = 16;
    private const int RememberedEnded = 32;

    /// <summary>Stopped sessions whose models stay readable (the most recent ones, for a while), so a reload after Stop still shows them.</summary>
    private const int ReadableEnded = 4;
    private static readonly TimeSpan ReadableFor = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan LeaseCheckInterval = TimeSpan.FromSeconds(1);

    private readonly Dictionary<string, ISourceProvider> _sources;
    private readonly IReadOnlyList<IAnalysisProvider> _analyses;
    private readonly IReadOnlyList<ISessionParticipant> _participants;
    private readonly IProcessProbe _processes;
    private readonly int _agentPid;
    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<SourceAvailability>> _probes = new(StringComparer.Ordinal);
    private readonly List<Ended> _ended = [];
    private readonly Lock _startGate = new();
    private Timer? _leaseTimer;
    private volatile bool _trimPending;
    private bool _disposed;

    public SessionManager(
        IEnumerable<ISourceProvider> sources,
        IEnumerable<IAnalysisProvider> analyses,
        IEnumerable<ISessionParticipant> participants,
        IProcessProbe processes,
        int agentPid)
    {
        _sources = sources.ToDictionary(s => s.Descriptor.Id, StringComparer.Ordinal);
        _analyses = [.. analyses];
        _participants = [.. participants];
        _processes = processes;
        _agentPid = agentPid;
    }

    public IReadOnlyList<SourceDescriptor> SourceDescriptors => [.. _sources.Values.Select(s => s.Descriptor).OrderBy(d => d.Implicit).ThenBy(d => d.Id, StringComparer.Ordinal)];

    public IReadOnlyCollection<Session> Sessions => [.. _sessions.Values.OrderBy(s => s.StartedAt)];

    /// <summary>Raised (on a timer thread) after a session was stopped because its lease expired.</summary>
    public event Action<Session, string>? Expired;

    /// <summary>Whether the source can run here; the first call probes (may load its BPF object briefly), later calls are cached.</summary>
    public SourceAvailability Probe(string sourceId)
    {
        var provider = Provider(sourceId);
        return _probes.GetOrAdd(sourceId, _ => new Lazy<SourceAvailability>(() => ProbeSafely(provider))).Value;
    }

    /// <summary>The descriptor of a source; an error with a suggestion for a typo.</summary>
    public SourceDescriptor Describe(string sourceId) => Provider(sourceId).Descriptor;

    /// <summary>Validates the request (sources, their options, the filter), creates the session and attaches its sources.</summary>
    public Session Start(SessionSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        var filter = Resolve(spec.Filter);
        var requested = spec.Sources.Select(r => (Provider: Provider(r.Id), Request: r)).ToList();
        var implicitSources = _sources.Values.Where(p => p.Descriptor.Implicit && requested.All(r => r.Provider != p));
        var all = implicitSources.Select(p => (Provider: p, Options: ValidateOptions(p, SourceRequest.Named(p.Descriptor.Id))))
            .Concat(requested.Select(r => (r.Provider, Options: ValidateOptions(r.Provider, r.Request))))
            .ToList();
        var sourceIds = all.Select(s => s.Provider.Descriptor.Id).ToHashSet(StringComparer.Ordinal);
        spec = spec with { Filter = filter };

        lock (_startGate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_sessions.Count >= MaxSessions)
            {
                throw new ConflictException($"{MaxSessions} sessions are already running: stop one first");
            }

            var session = new Session(NewId(), spec, _agentPid);
            try
            {
                foreach (var provider in _analyses.Where(a => a.AppliesTo(sourceIds)))
                {
                    session.AddAnalysis(provider.Create(new AnalysisContext(spec, sourceIds, session.Bus, session.Filter, session.OriginNs)));
                }

                foreach (var participant in _participants)
                {
                    session.AddParticipant(participant);
                }

                // Implicit sources (the process lifecycle) first: data sources announce processes through them.
                foreach (var (provider, options) in all)
                {
                    session.StartSource(provider, options);
                }

                session.MarkRunning();
            }
            catch
            {
                session.Stop("failed to start");
                throw;
            }

            _sessions[session.Id] = session;
            EnsureLeaseTimer();
            return session;
        }
    }

    public Session Get(string id) =>
        _sessions.TryGetValue(id, out var session)
            ? session
            : throw new NotFoundException("session-not-found", $"no running session with id '{id}' (list them with GET /api/sessions)");

    /// <summary>A running session's snapshot, or the last one of a recently stopped session.</summary>
    public SessionSnapshot Snapshot(string id)
    {
        if (_sessions.TryGetValue(id, out var session))
        {
            return session.Snapshot();
        }

        lock (_ended)
        {
            return _ended.LastOrDefault(e => e.Snapshot.Id == id)?.Snapshot
                ?? throw new NotFoundException("session-not-found", $"no session with id '{id}' (list them with GET /api/sessions)");
        }
    }

    /// <summary>
    /// A running session, or a recently stopped one whose models can still be read (they no longer
    /// change); a 404 otherwise. For reading models, never for changing a session.
    /// </summary>
    public Session Find(string id)
    {
        if (_sessions.TryGetValue(id, out var session))
        {
            return session;
        }

        lock (_ended)
        {
            Forget();
            return _ended.LastOrDefault(e => e.Snapshot.Id == id)?.Session
                ?? throw new NotFoundException("session-not-found", _ended.Any(e => e.Snapshot.Id == id)
                    ? $"session '{id}' stopped a while ago: its models are no longer kept"
                    : $"no session with id '{id}' (list them with GET /api/sessions)");
        }
    }

    /// <summary>Changes what a session observes, live; the filter is checked like at start.</summary>
    public void SetFilter(string id, ProcessFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var session = Get(id);
        filter.Validate();
        session.SetFilter(Resolve(filter));
    }

    /// <summary>Stops the session and forgets it (its last snapshot is kept for a while).</summary>
    public void Stop(string id, string reason = "stopped")
    {
        if (!_sessions.TryGetValue(id, out var session))
        {
            throw new NotFoundException("session-not-found", $"no running session with id '{id}'");
        }

        // Remembered before it leaves the running list, so that a client asking for it meanwhile never gets a 404.
        try
        {
            session.Stop(reason);
        }
        finally
        {
            Remember(session);
            _sessions.TryRemove(new KeyValuePair<string, Session>(id, session));
        }
    }

    public void Dispose()
    {
        lock (_startGate)
        {
            _disposed = true;
            _leaseTimer?.Dispose();
            _leaseTimer = null;
        }

        foreach (var id in _sessions.Keys)
        {
            if (_sessions.TryRemove(id, out var session))
            {
                session.Stop("the agent stopped");
            }
        }
    }

    private static SourceAvailability ProbeSafely(ISourceProvider provider)
    {
        try
        {
            return provider.Probe();
        }
        catch (UnavailableException ex)
        {
            return SourceAvailability.No(ex.Message, ex.Detail);
        }
        catch (Exception ex)
        {
            return SourceAvailability.No($"probe failed: {ex.Message}");
        }
    }

    private static OptionValues ValidateOptions(ISourceProvider provider, SourceRequest request)
    {
        var owner = $"source {provider.Descriptor.Id}:";
        var values = request.TextOptions is { } text
            ? OptionValues.FromText(provider.Descriptor.Options, text, owner)
            : OptionValues.FromJson(provider.Descriptor.Options, request.Options, owner);
        provider.Validate(values);
        return values;
    }

    private static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    private ISourceProvider Provider(string sourceId)
    {
        if (_sources.TryGetValue(sourceId, out var provider))
        {
            return provider;
        }

        var selectable = _sources.Values.Where(p => !p.Descriptor.Implicit).Select(p => p.Descriptor.Id).Order(StringComparer.Ordinal).ToList();
        var hint = Suggest.Closest(sourceId, selectable) is { } close ? $" — did you mean '{close}'?" : string.Empty;
        throw new InvalidRequestException($"unknown source '{sourceId}'{hint} Sources: {string.Join(", ", selectable)}");
    }

    private ProcessFilter Resolve(ProcessFilter filter)
    {
        foreach (var pid in filter.Pids)
        {
            if (!_processes.Exists(pid))
            {
                throw new NotFoundException("process-not-found", $"no process with pid {pid}");
            }
        }

        if (filter.Cgroup is { } path)
        {
            var cgroup = _processes.ResolveCgroup(path)
                ?? throw new NotFoundException("cgroup-not-found", $"no cgroup v2 at {path} (paths are relative to the cgroup v2 root, e.g. /system.slice)");
            filter = filter with { CgroupRef = cgroup };
        }

        return filter;
    }

    private void Remember(Session session)
    {
        lock (_ended)
        {
            if (_ended.Exists(e => e.Snapshot.Id == session.Id))
            {
                return;
            }

            _ended.Add(new Ended(session.Snapshot(), session, Environment.TickCount64));
            if (_ended.Count > RememberedEnded)
            {
                _ended.RemoveAt(0);
            }

            Forget();
        }

        // The timer lets go of these models when they are old and gives the memory back once nothing runs.
        _trimPending = true;
        lock (_startGate)
        {
            if (!_disposed)
            {
                EnsureLeaseTimer();
            }
        }
    }

    /// <summary>Lets go of the models of all but the most recent stopped sessions, and of those stopped long ago.</summary>
    /// <returns>Whether any models were let go.</returns>
    private bool Forget()
    {
        var now = Environment.TickCount64;
        var released = false;
        for (var i = 0; i < _ended.Count; i++)
        {
            var old = i < _ended.Count - ReadableEnded || now - _ended[i].StoppedAtMs > ReadableFor.TotalMilliseconds;
            if (old && _ended[i].Session is not null)
            {
                _ended[i] = _ended[i] with { Session = null };
                released = true;
            }
        }

        return released;
    }


    private sealed record Ended(SessionSnapshot Snapshot, Session? Session, long StoppedAtMs);

    /// <summary>
    /// Checks leases once a second while any session runs or a stopped one's models are still kept;
    /// no timer at all otherwise.
    /// </summary>
    private void EnsureLeaseTimer() => _leaseTimer ??= new Timer(_ => CheckLeases(), null, LeaseCheckInterval, LeaseCheckInterval);

    private void CheckLeases()
    {
        foreach (var session in _sessions.Values)
        {
            if (session.ExpiryReason() is { } reason)
            {
                try
                {
                    Stop(session.Id, reason);
                    Expired?.Invoke(session, reason);
                }
                catch (Exception)
                {
                    // Already stopped by someone else, or a source failed to detach: the session is gone either way.
                }
            }
        }

        bool released, readable;
        lock (_ended)
        {
            released = Forget();
            readable = _ended.Exists(e => e.Session is not null);
        }

        if (_sessions.IsEmpty && (released || _trimPending))
        {
            _trimPending = false;
            IdleMemory.Return();
        }

        lock (_startGate)
        {
            if (_sessions.IsEmpty && !readable && _leaseTimer is not null)
            {
                _leaseTimer.Dispose();
                _leaseTimer = null;
            }
        }
    }
}
