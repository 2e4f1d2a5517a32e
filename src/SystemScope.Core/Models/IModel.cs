using System.Text.Json;

namespace SystemScope.Core.Models;

/// <summary>
/// What a model is, for clients: a stable id within its session (<c>cpu.flamegraph</c>,
/// <c>sched.runqlat</c>, <c>threads.timeline</c>), its type (<c>flamegraph</c>, <c>histogram</c>,
/// <c>heatmap</c>, <c>timeline</c>, <c>table</c>, <c>breakdown</c>) — which decides the panel that
/// draws it and the export formats it offers —, a title, the unit of its values, and the sources
/// it is made from.
/// </summary>
public sealed record ModelDescriptor(string Id, string Type, string Title, string Unit, IReadOnlyList<string> Sources)
{
    public string? Description { get; init; }

    /// <summary>The model the command line prints when a format holds one model and the user did not pick (<c>offcpu.flamegraph</c> over <c>offcpu.wakers</c>).</summary>
    public bool Primary { get; init; }
}

/// <summary>
/// A live, typed result of an analysis. Readers on any thread (HTTP requests, the live stream, the
/// CLI's exporters) read it while its analysis writes it; each model type keeps its own lock.
/// Clients hold a cursor (opaque text the model made) and are brought up to date with what changed
/// since; parameters (a time range, a baseline to diff against, a timeline viewport) select what
/// to answer instead of the live view.
/// </summary>
public interface IModel
{
    ModelDescriptor Descriptor { get; }

    /// <summary>Advances with every change.</summary>
    long Version { get; }

    /// <summary>Completes the next time the model changes: live views wait on it.</summary>
    Task Changed { get; }

    /// <summary>
    /// Writes one JSON object answering <paramref name="request"/>: without parameters, the live view
    /// (whole, or the change since the request's cursor); returns the cursor the client then holds.
    /// Throws <see cref="Errors.InvalidRequestException"/> for a parameter it does not take or a bad value.
    /// </summary>
    string? Write(Utf8JsonWriter json, ModelRequest request);
}

/// <summary>A model that keeps history and can give some of it back when the session's memory budget is exceeded.</summary>
public interface IRetainingModel : IModel
{
    /// <summary>Bytes this model holds now (estimated from its tables).</summary>
    long RetainedBytes { get; }

    /// <summary>Windows (or slices) dropped so far to stay within budget.</summary>
    long Dropped { get; }

    /// <summary>Drops the oldest history until at most <paramref name="bytes"/> are held (or nothing more can go).</summary>
    void TrimTo(long bytes);
}
