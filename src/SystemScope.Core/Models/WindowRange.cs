using System.Globalization;
using SystemScope.Core.Errors;

namespace SystemScope.Core.Models;

/// <summary>Reads a <c>t0</c>/<c>t1</c> range (ns since the session's start) against the windows a model retains.</summary>
public static class WindowRange
{
    /// <summary>The absolute range asked for; a 400 naming the retained span when it lies outside it.</summary>
    public static (long StartNs, long EndNs) Resolve(ModelRequest request, string modelId, IReadOnlyList<(long StartNs, long EndNs)> windows, string from = "t0", string to = "t1")
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(windows);
        if (windows.Count == 0)
        {
            throw new InvalidRequestException($"model {modelId} holds no history yet: try again after the first window");
        }

        var first = windows[0].StartNs - request.OriginNs;
        var last = windows[^1].EndNs - request.OriginNs;
        var start = request.Time(from) ?? first;
        var end = request.Time(to) ?? last;
        if (end <= start)
        {
            throw new InvalidRequestException($"{from}={start} is not before {to}={end}: give a range that is not empty");
        }

        if (end <= first || start >= last)
        {
            throw new InvalidRequestException(
                $"range {Ms(start)}–{Ms(end)} ms is outside the retained history of {modelId} ({Ms(first)}–{Ms(last)} ms since the session started)");
        }

        return (start + request.OriginNs, end + request.OriginNs);
    }

    private static string Ms(long ns) => (ns / 1e6).ToString("0.#", CultureInfo.InvariantCulture);
}
