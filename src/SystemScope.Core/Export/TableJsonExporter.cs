using System.Globalization;
using System.Text.Json;
using SystemScope.Core.Models.Table;

namespace SystemScope.Core.Export;

/// <summary>
/// A table as JSON for scripts: one object per row keyed by column name (<c>{"pid": 42, "name": "read",
/// …}</c>), so <c>jq '.rows[] | select(.errors > 0)'</c> works without knowing column positions; the
/// columns with their titles and units first. The API keeps its compact form (rows as arrays).
/// </summary>
public sealed class TableJsonExporter : IModelExporter
{
    public string Format => "json";

    public string ModelType => TableModel.TypeName;

    public string Description => "one object per row, keyed by column name";

    public ExportCombination Combination => ExportCombination.JsonObject;

    public void Write(Models.IModel model, Stream output, long originNs)
    {
        var table = (TableModel)model;
        using var json = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteStartArray("columns");
        foreach (var column in table.Columns)
        {
            json.WriteStartObject();
            json.WriteString("name", column.Name);
            json.WriteString("title", column.Title);
            if (column.Unit is not null)
            {
                json.WriteString("unit", column.Unit);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        var rows = table.Rows;
        json.WriteStartArray("rows");
        foreach (var row in rows)
        {
            json.WriteStartObject();
            for (var i = 0; i < row.Length && i < table.Columns.Count; i++)
            {
                json.WritePropertyName(table.Columns[i].Name);
                switch (row[i])
                {
                    case long l:
                        json.WriteNumberValue(l);
                        break;
                    case int n:
                        json.WriteNumberValue(n);
                        break;
                    case double d:
                        json.WriteNumberValue(double.IsFinite(d) ? Math.Round(d, 6) : 0);
                        break;
                    case null:
                        json.WriteNullValue();
                        break;
                    default:
                        json.WriteStringValue(Convert.ToString(row[i], CultureInfo.InvariantCulture));
                        break;
                }
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }
}
