using System.Text.Json;

namespace SystemScope.Kernel.Tests.Scheduler;

/// <summary>Reads flame graph answers of the API (columns) for assertions.</summary>
internal static class Graph
{
    public static List<string> Names(JsonElement graph) =>
        [.. graph.GetProperty("frameNames").EnumerateArray().Select(f => f.GetString()!)];

    /// <summary>Total under the outermost nodes named <paramref name="frame"/>.</summary>
    public static long Under(JsonElement graph, string frame)
    {
        var (names, frames, parents, totals) = Columns(graph);
        long sum = 0;
        for (var node = 1; node < frames.Length; node++)
        {
            if (names[frames[node]] == frame && !Ancestors(parents, node).Any(a => names[frames[a]] == frame))
            {
                sum += totals[node];
            }
        }

        return sum;
    }

    /// <summary>Total of stacks that block in a function whose name contains <paramref name="blockedIn"/> and were woken by a waker whose frame contains <paramref name="waker"/>.</summary>
    public static long WokenBy(JsonElement graph, string blockedIn, string waker)
    {
        var (names, frames, parents, totals) = Columns(graph);
        long sum = 0;
        for (var node = 1; node < frames.Length; node++)
        {
            if (!names[frames[node]].Contains(waker, StringComparison.Ordinal))
            {
                continue;
            }

            var path = Ancestors(parents, node).Select(a => names[frames[a]]).ToList();
            if (path.Contains("[woken by]") && path.Any(f => f.Contains(blockedIn, StringComparison.Ordinal)))
            {
                sum += totals[node];
            }
        }

        return sum;
    }

    private static IEnumerable<int> Ancestors(int[] parents, int node)
    {
        for (var p = parents[node]; p > 0; p = parents[p])
        {
            yield return p;
        }
    }

    private static (List<string> Names, int[] Frames, int[] Parents, long[] Totals) Columns(JsonElement graph) =>
        (Names(graph),
         [.. graph.GetProperty("nodeFrames").EnumerateArray().Select(f => f.GetInt32())],
         [.. graph.GetProperty("nodeParents").EnumerateArray().Select(f => f.GetInt32())],
         [.. graph.GetProperty("nodeTotals").EnumerateArray().Select(f => f.GetInt64())]);
}
