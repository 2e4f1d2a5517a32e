using System.Globalization;
using System.Text.RegularExpressions;
using SystemScope.Symbols.Tests.Support;

namespace SystemScope.Symbols.Tests.Unwind;

/// <summary>One row of <c>readelf --debug-dump=frames-interp</c>: the location and each column as printed (CFA, rbp, ra …).</summary>
public sealed record ReadelfRow(ulong Location, IReadOnlyDictionary<string, string> Columns)
{
    public string Cfa => Columns["CFA"];

    public string ReturnAddress => Columns["ra"];

    public string? Rbp => Columns.GetValueOrDefault("rbp");
}

/// <summary>An FDE as readelf prints it: its section, range, its CIE's augmentation and its rows (the CIE's initial row when it prints none).</summary>
public sealed record ReadelfFde(string Section, ulong Start, ulong End, string Augmentation, IReadOnlyList<ReadelfRow> Rows);

/// <summary>binutils' reading of a file's .eh_frame and .debug_frame (not of a debug file it links to): the reference the unwind tables are checked against.</summary>
public static partial class ReadelfFrames
{
    public static List<ReadelfFde> Read(string path)
    {
        var fdes = new List<ReadelfFde>();
        var cies = new Dictionary<(string, string), (string Augmentation, ReadelfRow? Initial)>();
        var section = "";
        string? cieKey = null;
        (string Section, ulong Start, ulong End, string Augmentation, ReadelfRow? Initial, List<ReadelfRow> Rows)? fde = null;
        string[] header = [];

        void Flush()
        {
            if (fde is { } open)
            {
                var rows = open.Rows.Count > 0 || open.Initial is null ? open.Rows : [open.Initial with { Location = open.Start }];
                fdes.Add(new ReadelfFde(open.Section, open.Start, open.End, open.Augmentation, rows));
            }

            fde = null;
        }

        foreach (var line in Tool.Run("readelf", "-wN", "--debug-dump=frames-interp", path).Split('\n'))
        {
            if (SectionLine().Match(line) is { Success: true } s)
            {
                Flush();
                section = s.Groups[1].Value;
            }
            else if (CieLine().Match(line) is { Success: true } c)
            {
                Flush();
                cieKey = c.Groups[1].Value;
                cies[(section, cieKey)] = (c.Groups[2].Value, null);
            }
            else if (FdeLine().Match(line) is { Success: true } f)
            {
                Flush();
                cieKey = null;
                var cie = cies.GetValueOrDefault((section, f.Groups[1].Value));
                fde = (section, Hex(f.Groups[2].Value), Hex(f.Groups[3].Value), cie.Augmentation ?? "?", cie.Initial, []);
            }
            else if (line.TrimStart().StartsWith("LOC ", StringComparison.Ordinal))
            {
                header = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            }
            else if (RowLine().IsMatch(line))
            {
                var values = Cells(line);
                var columns = new Dictionary<string, string>(StringComparer.Ordinal);
                for (var i = 1; i < Math.Min(values.Count, header.Length); i++)
                {
                    columns[header[i]] = values[i];
                }

                var row = new ReadelfRow(Hex(values[0]), columns);
                if (fde is { } open)
                {
                    open.Rows.Add(row);
                }
                else if (cieKey is not null)
                {
                    cies[(section, cieKey)] = (cies[(section, cieKey)].Augmentation, row);
                }
            }
        }

        Flush();
        return fdes;
    }

    // A register kept in another register prints as "r10 (r10)": one cell with a space in it.
    private static List<string> Cells(string line)
    {
        var cells = new List<string>();
        foreach (var word in line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (word.StartsWith('(') && cells.Count > 0)
            {
                cells[^1] += " " + word;
            }
            else
            {
                cells.Add(word);
            }
        }

        return cells;
    }

    private static ulong Hex(string text) => ulong.Parse(text, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^Contents of the (\.\w+) section")]
    private static partial Regex SectionLine();

    [GeneratedRegex(@"^([0-9a-f]{8,16}) [0-9a-f]+ [0-9a-f]+ CIE ""([^""]*)""")]
    private static partial Regex CieLine();

    [GeneratedRegex(@"^[0-9a-f]{8,16} [0-9a-f]+ [0-9a-f]+ FDE cie=([0-9a-f]+) pc=([0-9a-f]+)\.\.([0-9a-f]+)")]
    private static partial Regex FdeLine();

    [GeneratedRegex(@"^[0-9a-f]{16} ")]
    private static partial Regex RowLine();
}
