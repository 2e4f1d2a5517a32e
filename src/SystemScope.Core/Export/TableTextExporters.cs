using System.Globalization;
using SystemScope.Core.Models;
using SystemScope.Core.Models.Histogram;
using SystemScope.Core.Models.Table;
using SystemScope.Core.Models.Timeline;
using SystemScope.Core.Models.TimeSeries;

namespace SystemScope.Core.Export;

/// <summary>A table model as aligned text.</summary>
public sealed class TableTextExporter : IModelExporter
{
    public string Format => "table";

    public string ModelType => TableModel.TypeName;

    public string Description => "aligned text columns";

    public ExportCombination Combination => ExportCombination.Sections;

    public void Write(IModel model, Stream output, long originNs)
    {
        var table = (TableModel)model;
        TextTable.Write(output, [.. table.Columns.Select(c => c.Unit is null ? c.Title : $"{c.Title} ({c.Unit})")], table.Rows);
    }
}

/// <summary>A histogram as text: one line per group with count, percentiles and max, then the non-empty buckets of "all" as bars (like runqlat).</summary>
public sealed class HistogramTextExporter : IModelExporter
{
    private const int BarWidth = 40;

    public string Format => "table";

    public string ModelType => HistogramModel.TypeName;

    public string Description => "per group: count, p50, p90, p99, max; buckets as bars";

    public ExportCombination Combination => ExportCombination.Sections;

    public void Write(IModel model, Stream output, long originNs)
    {
        var histogram = (HistogramModel)model;
        var unit = histogram.Descriptor.Unit;
        var groups = histogram.Totals();
        TextTable.Write(
            output,
            ["group", "label", "count", $"p50 ({unit})", $"p90 ({unit})", $"p99 ({unit})", $"max ({unit})"],
            groups.Select(g => new object?[] { g.Key, g.Label, g.Count, g.Percentile(0.5), g.Percentile(0.9), g.Percentile(0.99), g.Max }));
        if (groups.FirstOrDefault(g => g.Key == "all") is not { } all || all.Count == 0)
        {
            return;
        }

        var bounds = histogram.Bounds;
        var most = all.Buckets.Max();
        var rows = new List<object?[]>();
        for (var k = 0; k < all.Buckets.Length; k++)
        {
            if (all.Buckets[k] == 0)
            {
                continue;
            }

            var upper = k + 1 < bounds.Count ? (bounds[k + 1] - 1).ToString(CultureInfo.InvariantCulture) : "∞";
            rows.Add([$"{bounds[k]} -> {upper}", all.Buckets[k], new string('*', (int)Math.Ceiling(BarWidth * all.Buckets[k] / (double)most))]);
        }

        output.WriteByte((byte)'\n');
        TextTable.Write(output, [$"{unit}", "count", "distribution (all)"], rows);
    }
}

/// <summary>A time series as text: one row per window, one column per series.</summary>
public sealed class TimeSeriesTextExporter : IModelExporter
{
    public string Format => "table";

    public string ModelType => TimeSeriesModel.TypeName;

    public string Description => "one row per window, one column per series";

    public ExportCombination Combination => ExportCombination.Sections;

    public void Write(IModel model, Stream output, long originNs)
    {
        using var buffer = new MemoryStream();
        new ModelJsonExporter(TimeSeriesModel.TypeName).Write(model, buffer, originNs);
        using var document = System.Text.Json.JsonDocument.Parse(buffer.ToArray());
        var root = document.RootElement;
        var starts = root.GetProperty("starts").EnumerateArray().Select(e => e.GetInt64()).ToList();
        var series = root.GetProperty("series").EnumerateArray().ToList();
        var headers = new List<string> { "t (s)" };
        headers.AddRange(series.Select(s => s.GetProperty("label").GetString() ?? "?"));
        var rows = starts.Select((t, i) => (IReadOnlyList<object?>)[t / 1e9, .. series.Select(s => s.GetProperty("values")[i] is { ValueKind: System.Text.Json.JsonValueKind.Number } v ? (object?)v.GetDouble() : null)]);
        TextTable.Write(output, headers, rows);
    }
}

/// <summary>Where the time went, as text: per thread the share of each state of its wall time, and its top functions and blocking stacks.</summary>
public sealed class BreakdownTextExporter : IModelExporter
{
    private static readonly string[] States = ["running", "runnable", "sleeping", "blocked", "other", BreakdownModel.Unknown];

    public string Format => "table";

    public string ModelType => BreakdownModel.TypeName;

    public string Description => "per thread: wall time and the share of each state; top functions and blocking stacks";

    public ExportCombination Combination => ExportCombination.Sections;

    public void Write(IModel model, Stream output, long originNs)
    {
        // Without the scheduler source a thread's states are unknown: only what it waited in is worth printing.
        var threads = ((BreakdownModel)model).Compute(null, null, null, null, 5, out _, out _)
            .Where(t => t.States.Any(s => s.Key != BreakdownModel.Unknown && s.Value > 0) || t.TopReasons.Count > 0).ToList();
        TextTable.Write(
            output,
            ["tid", "pid", "thread", "wall (ms)", .. States.Select(s => s + " %")],
            threads.OrderBy(t => t.Pid).ThenBy(t => t.Tid).Select(t => (IReadOnlyList<object?>)
                [t.Tid, t.Pid, t.Name, t.Wall / 1e6, .. States.Select(s => (object?)(100.0 * t.States.GetValueOrDefault(s) / Math.Max(1, t.Wall)))]));
        foreach (var thread in threads.Where(t => t.TopFunctions.Count + t.TopBlocking.Count + t.TopReasons.Count > 0))
        {
            var lines = new List<string> { string.Empty, $"{thread.Name} ({thread.Tid}):" };
            lines.AddRange(thread.TopFunctions.Select(f => $"  on CPU  {f.Value / 1e6,10:0.0} ms  {f.Name}"));
            lines.AddRange(thread.TopReasons.Select(r => $"  waiting {r.Value / 1e6,10:0.0} ms  {r.Reason}"));
            lines.AddRange(thread.TopBlocking.Select(b => $"  {b.State,-7} {b.Value / 1e6,10:0.0} ms  {string.Join(';', b.Frames.Select(f => f.Name))}"));
            output.Write(System.Text.Encoding.UTF8.GetBytes(string.Join('\n', lines) + "\n"));
        }
    }
}
