using System.Text.Json;
using SystemScope.Core.Errors;
using SystemScope.Core.Sessions;

namespace SystemScope.Server.Api;

/// <summary>
/// The bodies of the session endpoints, read strictly (see docs/api.md):
/// <c>POST /api/sessions</c> and <c>PUT /api/sessions/{id}/filter</c>.
/// </summary>
internal static class SessionRequests
{
    private static readonly string[] StartFields =
        ["sources", "filter", "pid", "windowSeconds", "includeAgent", "memoryBudgetMiB", "detached", "durationSeconds", "graceSeconds"];

    private static readonly string[] FilterFields = ["pids", "pid", "cgroup", "comm"];

    private static readonly string[] SourceFields = ["id", "options"];

    /// <summary>An empty body starts the default session (cpu, every process, viewed).</summary>
    public static SessionSpec Start(JsonElement? body)
    {
        if (body is null)
        {
            return new SessionSpec();
        }

        var request = JsonBody.Of(body.Value, "the session request", StartFields);
        var spec = new SessionSpec();
        if (request.Element("sources") is { } sources)
        {
            spec = spec with { Sources = Sources(sources) };
        }

        if (request.Has("filter") && request.Has("pid"))
        {
            throw new InvalidRequestException("give either 'pid' or 'filter', not both");
        }

        if (request.Has("filter"))
        {
            spec = spec with { Filter = Filter(request.Element("filter")!.Value, "field 'filter'") };
        }
        else if (request.Int("pid") is { } pid)
        {
            spec = spec with { Filter = ProcessFilter.ForPid(pid) };
        }

        if (request.Number("windowSeconds") is { } window)
        {
            spec = spec with { Window = window is > 0 and < 3600 ? TimeSpan.FromSeconds(window) : throw new InvalidRequestException($"windowSeconds {window} is out of range: use {SessionSpec.MinWindow.TotalSeconds} to {SessionSpec.MaxWindow.TotalSeconds}") };
        }

        spec = spec with { IncludeAgent = request.Bool("includeAgent") ?? false };
        if (request.Number("memoryBudgetMiB") is { } budget)
        {
            spec = spec with { MemoryBudgetBytes = budget is > 0 and < 1 << 20 ? (long)(budget * (1 << 20)) : throw new InvalidRequestException($"memoryBudgetMiB {budget} is out of range: use {SessionSpec.MinMemoryBudgetBytes >> 20} to {SessionSpec.MaxMemoryBudgetBytes >> 20}") };
        }

        var detached = request.Bool("detached") ?? false;
        TimeSpan? duration = request.Number("durationSeconds") is { } seconds
            ? seconds is > 0 and <= 1e7 ? TimeSpan.FromSeconds(seconds) : throw new InvalidRequestException($"durationSeconds {seconds} is out of range: give seconds above 0 and at most {SessionLease.MaxDuration.TotalSeconds}")
            : null;
        var grace = request.Number("graceSeconds") is { } g
            ? g is > 0 and <= 1e6 ? TimeSpan.FromSeconds(g) : throw new InvalidRequestException($"graceSeconds {g} is out of range: use {SessionLease.MinGrace.TotalSeconds} to {SessionLease.MaxGrace.TotalSeconds}")
            : SessionLease.DefaultGrace;
        spec = spec with { Lease = new SessionLease(detached ? LeaseKind.Detached : LeaseKind.Viewed, grace, duration) };
        return spec;
    }

    public static ProcessFilter Filter(JsonElement body, string what)
    {
        var filter = JsonBody.Of(body, what, FilterFields);
        if (filter.Has("pid") && filter.Has("pids"))
        {
            throw new InvalidRequestException($"{what}: give either 'pid' or 'pids', not both");
        }

        var pids = filter.Ints("pids") ?? (filter.Int("pid") is { } pid ? [pid] : []);
        return new ProcessFilter { Pids = pids, Cgroup = filter.String("cgroup"), Comm = filter.String("comm") };
    }

    private static IReadOnlyList<SourceRequest> Sources(JsonElement sources)
    {
        if (sources.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidRequestException("field 'sources' must be a list such as [\"cpu\"] or [{\"id\":\"cpu\",\"options\":{\"frequency\":99}}]");
        }

        var result = new List<SourceRequest>();
        foreach (var source in sources.EnumerateArray())
        {
            if (source.ValueKind == JsonValueKind.String)
            {
                result.Add(SourceRequest.Named(source.GetString()!));
                continue;
            }

            var body = JsonBody.Of(source, "a source in 'sources'", SourceFields);
            var id = body.String("id") ?? throw new InvalidRequestException("a source in 'sources' needs an 'id', such as {\"id\":\"cpu\"}");
            result.Add(new SourceRequest(id, body.Element("options")?.Clone()));
        }

        return result;
    }
}
