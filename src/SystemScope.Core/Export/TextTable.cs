using System.Globalization;
using System.Text;

namespace SystemScope.Core.Export;

/// <summary>Aligned text columns for terminals: numbers right-aligned, text left-aligned, one header line.</summary>
public static class TextTable
{
    public static void Write(Stream output, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<object?>> rows)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(rows);
        var cells = rows.Select(r => r.Select(Format).ToArray()).ToList();
        var numeric = Enumerable.Range(0, headers.Count).Select(i => cells.All(r => i >= r.Length || IsNumber(r[i]))).ToArray();
        var widths = Enumerable.Range(0, headers.Count).Select(i => Math.Max(headers[i].Length, cells.Select(r => i < r.Length ? r[i].Length : 0).DefaultIfEmpty(0).Max())).ToArray();
        var text = new StringBuilder();
        Line(text, headers, widths, numeric);
        foreach (var row in cells)
        {
            Line(text, row, widths, numeric);
        }

        output.Write(Encoding.UTF8.GetBytes(text.ToString()));
    }

    public static string Format(object? value) => value switch
    {
        null => "-",
        double d => d.ToString(Math.Abs(d) >= 100 ? "0" : "0.##", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    private static bool IsNumber(string cell) => cell == "-" || double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    private static void Line(StringBuilder text, IReadOnlyList<string> cells, int[] widths, bool[] numeric)
    {
        for (var i = 0; i < widths.Length; i++)
        {
            var cell = i < cells.Count ? cells[i] : string.Empty;
            if (i > 0)
            {
                text.Append("  ");
            }

            text.Append(numeric[i] ? cell.PadLeft(widths[i]) : i == widths.Length - 1 ? cell : cell.PadRight(widths[i]));
        }

        text.Append('\n');
    }
}
