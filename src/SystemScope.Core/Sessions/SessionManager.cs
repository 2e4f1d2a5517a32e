using System.Collections.Concurrent;
using System.Security.Cryptography;
using SystemScope.Core.Analyses;
using SystemScope.Core.Errors;
using SystemScope.Core.Sources;

namespace SystemScope.Core.Sessions;

/// <summary>
/// Starts, finds and stops sessions. Several can run at once, each with its own sources; with no
/// session running nothing is attached. Source availability probes are cached.
/// </summary>
public sealed class SessionManager : IDisposable
{
    public const int MaxSessions = 16;

    private readonly Dictionary<string, ISourceProvider> _sources;
    private readonly IReadOnlyList<IAnalysisProvider> _analyses;
    private readonly IReadOnlyList<ISessionParticipant> _participants;
    private readonly IProcessProbe _processes;
    private readonly int _agentPid;
    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<SourceAvailability>> _probes = new(StringComparer.Ordinal);
    private readonly Lock _startGate = new();

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

    public IReadOnlyList<SourceDescriptor> SourceDescriptors => [.. _sources.Values.Select(s => s.Descriptor).OrderBy(d => d.Id, StringComparer.Ordinal)];

    public IReadOnlyCollection<Session> Sessions => [.. _sessions.Values.OrderBy(s => s.StartedAt)];

    /// <summary>Whether the source can run here; the first call probes (may load its BPF object briefly), later calls are cached.</summary>
    public SourceAvailability Probe(string sourceId)
    {
        var provider = Provider(sourceId);
        return _probes.GetOrAdd(sourceId, _ => new Lazy<SourceAvailability>(() => ProbeSafely(provider))).Value;
    }

    /// <summary>Validates the request, creates the session and attaches its sources.</summary>
    public Session Start(SessionSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        var providers = spec.Sources.Select(Provider).ToList();
        ValidateTarget(spec.Target);

        lock (_startGate)
        {
            if (_sessions.Count >= MaxSessions)
            {
                throw new ConflictException($"{MaxSessions} sessions are already running: stop one first");
            }

            var session = new Session(NewId(), spec);
            try
            {
                foreach (var analysis in _analyses.Where(a => a.AppliesTo(spec)))
                {
                    session.AddAnalysis(analysis.Create(spec, session.Bus));
                }

                foreach (var participant in _participants)
                {
                    session.AddParticipant(participant);
                }

                foreach (var provider in providers)
                {
                    session.StartSource(provider.Create(new SourceContext(spec, session.Bus, _agentPid)));
                }
            }
            catch
            {
                session.Dispose();
                throw;
            }

            session.MarkRunning();
            _sessions[session.Id] = session;
            return session;
        }
    }

    public Session Get(string id) =>
        _sessions.TryGetValue(id, out var session)
            ? session
            : throw new NotFoundException("session-not-found", $"no session with id '{id}' (list them with GET /api/sessions)");

    public void Retarget(string id, ProcessTarget target)
    {
        ValidateTarget(target);
        Get(id).Retarget(target);
    }

    /// <summary>Stops the session and forgets it.</summary>
    public void Stop(string id)
    {
        if (!_sessions.TryRemove(id, out var session))
        {
            throw new NotFoundException("session-not-found", $"no session with id '{id}'");
        }

        session.Dispose();
    }

    public void Dispose()
    {
        foreach (var id in _sessions.Keys)
        {
            if (_sessions.TryRemove(id, out var session))
            {
                session.Dispose();
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

    private static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    private ISourceProvider Provider(string sourceId) =>
        _sources.TryGetValue(sourceId, out var provider)
            ? provider
            : throw new InvalidRequestException(
                $"unknown source '{sourceId}': available sources are {string.Join(", ", _sources.Keys.Order(StringComparer.Ordinal))}");

    private void ValidateTarget(ProcessTarget target)
    {
        if (target.Pid is { } pid && !_processes.Exists(pid))
        {
            throw new NotFoundException("process-not-found", $"no process with pid {pid}");
        }
    }
}
