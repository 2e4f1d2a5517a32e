using SystemScope.Bpf;
using SystemScope.Core.Errors;
using SystemScope.Core.Sessions;
using SystemScope.Core.Sources;
using SystemScope.Sources.Unwind;

namespace SystemScope.Sources.Kit;

/// <summary>
/// The kernel maps every object of one session shares (kit/filter.h, kit/process.h): the filter,
/// the process lifecycle ring buffer and the processes already announced. Created once per session,
/// by whichever source starts first (a session resource), from <c>session_maps.bpf.o</c>; every
/// source's object then uses these very maps (<see cref="ReuseIn"/>) instead of creating its own.
/// It follows the session's live filter, and keeps BPF run-time statistics on for a sample of the
/// session's time (<see cref="SampledRunTimeStats"/>). It also holds the session's use of the agent's
/// unwinder (<see cref="UnwindTables"/>), whose maps every object that captures stacks walks with.
/// </summary>
internal sealed class SharedKernelMaps : IDisposable
{
    private readonly Lock _applyGate = new();
    private readonly KitObject _object;
    private readonly KernelFilter _filter;
    private readonly IDisposable _subscription;
    private readonly SampledRunTimeStats? _stats;
    private readonly UnwindTables? _unwind;

    /// <summary>How long a session's start waits for the tables of the processes it names (libc's take tens of milliseconds).</summary>
    private static readonly TimeSpan PreloadPatience = TimeSpan.FromSeconds(2);

    private SharedKernelMaps(KitObject obj, KernelFilter filter, LiveFilter live, SampledRunTimeStats? stats, string? statsProblem, UnwindTables? unwind, string? unwindProblem)
    {
        _object = obj;
        _filter = filter;
        _stats = stats;
        _unwind = unwind;
        StatsProblem = statsProblem;
        UnwindProblem = unwindProblem;
        _subscription = live.Subscribe(_ => Apply(live));
    }

    /// <summary>The ring buffer of the session's process records (read by the process source).</summary>
    public BpfMap ProcessEvents => _object.Map(KitSchema.ProcEvents);

    public BpfMap KnownProcesses => _object.Map(KitSchema.KnownTgids);

    public KernelFilter Filter => _filter;

    /// <summary>Why programs' run times are not measured, or null when they are.</summary>
    public string? StatsProblem { get; }

    /// <summary>Why user stacks are walked by frame pointers only, or null when the unwinder runs.</summary>
    public string? UnwindProblem { get; }

    /// <summary>The agent's unwinder, or null when it could not start (see <see cref="UnwindProblem"/>).</summary>
    public UnwindTables? Unwind => _unwind;

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

        _unwind?.ReuseIn(obj);
    }

    public void Dispose()
    {
        _subscription.Dispose();
        _filter.Dispose();
        _stats?.Dispose();
        _object.Dispose();
        if (_unwind is not null)
        {
            UnwindTables.Release(_unwind);
        }
    }

    private static SharedKernelMaps Create(SourceContext context)
    {
        var obj = KitObject.Load(KitSchema.Session, shared: null);
        KernelFilter? filter = null;
        UnwindTables? unwind = null;
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

            string? unwindProblem = null;
            try
            {
                unwind = UnwindTables.Acquire();
                unwind.PreloadAndWait(context.Filter.Current.Pids, PreloadPatience);
            }
            catch (BpfException ex)
            {
                unwindProblem = ex.Message;
            }

            var shared = new SharedKernelMaps(obj, filter, context.Filter, stats, problem, unwind, unwindProblem);

            // A change between reading the filter above and subscribing would be lost: apply what is current now.
            shared.Apply(context.Filter);
            return shared;
        }
        catch
        {
            filter?.Dispose();
            obj.Dispose();
            if (unwind is not null)
            {
                UnwindTables.Release(unwind);
            }

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
                _unwind?.Preload(filter.Pids);
            }
        }
        catch (BpfException ex)
        {
            throw new UnavailableException("source-unavailable", $"kernel filter: {filter}: {ex.Message}", ex.Detail, ex);
        }
    }
}
