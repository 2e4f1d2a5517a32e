using SystemScope.Bpf;
using SystemScope.Core.Errors;
using SystemScope.Core.Sessions;
using SystemScope.Core.Sources;

namespace SystemScope.Sources.Kit;

/// <summary>
/// The kernel maps every object of one session shares (kit/filter.h, kit/process.h): the filter,
/// the process lifecycle ring buffer and the processes already announced. Created once per session,
/// by whichever source starts first (a session resource), from <c>session_maps.bpf.o</c>; every
/// source's object then uses these very maps (<see cref="ReuseIn"/>) instead of creating its own.
/// It follows the session's live filter, and keeps BPF run-time statistics on for a sample of the
/// session's time (<see cref="SampledRunTimeStats"/>).
/// </summary>
internal sealed class SharedKernelMaps : IDisposable
{
    private readonly Lock _applyGate = new();
    private readonly KitObject _object;
    private readonly KernelFilter _filter;
    private readonly IDisposable _subscription;
    private readonly SampledRunTimeStats? _stats;

    private SharedKernelMaps(KitObject obj, KernelFilter filter, LiveFilter live, SampledRunTimeStats? stats, string? statsProblem)
    {
        _object = obj;
        _filter = filter;
        _stats = stats;
        StatsProblem = statsProblem;
        _subscription = live.Subscribe(_ => Apply(live));
    }

    /// <summary>The ring buffer of the session's process records (read by the process source).</summary>
    public BpfMap ProcessEvents => _object.Map(KitSchema.ProcEvents);

    public BpfMap KnownProcesses => _object.Map(KitSchema.KnownTgids);

    public KernelFilter Filter => _filter;

    /// <summary>Why programs' run times are not measured, or null when they are.</summary>
    public string? StatsProblem { get; }

    /// <summary>The session's maps, created on first use. Throws <see cref="BpfException"/> when they cannot be.</summary>
    public static SharedKernelMaps For(SourceContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.Resources.GetOrCreate(() => Create(context));
    }

    /// <summary>Makes <paramref name="obj"/> (not loaded yet) use the session's maps wherever it declares them.</summary>
    public void ReuseIn(BpfObject obj)
    {
        foreach (var map in KitSchema.SharedMaps)
        {
            if (obj.MapNames.Contains(map.Name))
            {
                obj.ReuseMap(map.Name, _object.Map(map));
            }
        }
    }

    public void Dispose()
    {
        _subscription.Dispose();
        _filter.Dispose();
        _stats?.Dispose();
        _object.Dispose();
    }

    private static SharedKernelMaps Create(SourceContext context)
    {
        var obj = KitObject.Load(KitSchema.Session, shared: null);
        KernelFilter? filter = null;
        try
        {
            filter = new KernelFilter(obj.Map(KitSchema.Filter), obj.Map(KitSchema.FilterTgids), context.AgentPid, context.IncludeAgent);
            filter.Apply(context.Filter.Current);
            SampledRunTimeStats? stats = null;
            string? problem = null;
            try
            {
                stats = SampledRunTimeStats.Start();
            }
            catch (BpfException ex)
            {
                problem = ex.Message;
            }

            var shared = new SharedKernelMaps(obj, filter, context.Filter, stats, problem);

            // A change between reading the filter above and subscribing would be lost: apply what is current now.
            shared.Apply(context.Filter);
            return shared;
        }
        catch
        {
            filter?.Dispose();
            obj.Dispose();
            throw;
        }
    }

    /// <summary>Always the filter current when the lock is taken: two changes racing end with the latest applied.</summary>
    private void Apply(LiveFilter live)
    {
        var filter = live.Current;
        try
        {
            lock (_applyGate)
            {
                filter = live.Current;
                _filter.Apply(filter);
            }
        }
        catch (BpfException ex)
        {
            throw new UnavailableException("source-unavailable", $"kernel filter: {filter}: {ex.Message}", ex.Detail, ex);
        }
    }
}
