using System.Globalization;
using System.Text.Json;
using SystemScope.Core.Errors;

namespace SystemScope.Core.Models.Table;

/// <summary>The type of a table column's values.</summary>
public enum ColumnType : byte
{
    Int,
    Float,
    String,
}

/// <summary>A column: its name (the key for sorting), title, type and unit.</summary>
public sealed record TableColumn(string Name, string Title, ColumnType Type, string? Unit = null);

/// <summary>
/// Rows with typed columns (top-N lists: threads' switches, syscalls, connections). Its analysis
/// replaces the rows as a whole (a snapshot each window); the live view is the whole table, small
/// by construction (rows are capped, the number cut is said).
/// </summary>
public sealed class TableModel : IModel
{
    public const string TypeName = "table";
    public const int DefaultMaxRows = 1000;

    private static readonly string[] QueryParameters = ["sort", "desc", "limit"];

    private readonly Lock _gate = new();
    private readonly ChangeSignal _changed = new();
    private readonly int _maxRows;
    private IReadOnlyList<object[]> _rows = [];
    private int _totalRows;
    private long _version;

    public TableModel(ModelDescriptor descriptor, IReadOnlyList<TableColumn> columns, int maxRows = DefaultMaxRows)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(columns);
        if (descriptor.Type != TypeName)
        {
            throw new ArgumentException($"model {descriptor.Id} has type {descriptor.Type}, not {TypeName}", nameof(descriptor));
        }

        Descriptor = descriptor;
        Columns = columns;
        _maxRows = maxRows;
    }

    public ModelDescriptor Descriptor { get; }

    public IReadOnlyList<TableColumn> Columns { get; }

    public long Version => Interlocked.Read(ref _version);

    public Task Changed => _changed.Next;

    /// <summary>The rows now (a copy), in the order they were set.</summary>
    public IReadOnlyList<object[]> Rows
    {
        get
        {
            lock (_gate)
            {
                return _rows;
            }
        }
    }

    /// <summary>Replaces every row; each row has one value per column (long, double or string). Keeps the first rows up to the cap.</summary>
    public void Set(IEnumerable<object[]> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var all = rows.ToList();
        foreach (var row in all)
        {
            if (row.Length != Columns.Count)
            {
                throw new ArgumentException($"model {Descriptor.Id}: a row has {row.Length} values, the table {Columns.Count} columns");
            }
        }

        lock (_gate)
        {
            _totalRows = all.Count;
            _rows = all.Count > _maxRows ? all[.._maxRows] : all;
            Interlocked.Increment(ref _version);
        }

        _changed.Signal();
    }

    public void Reset() => Set([]);

    public string? Write(Utf8JsonWriter json, ModelRequest request)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(request);
        request.AllowOnly(Descriptor.Id, QueryParameters);
        IReadOnlyList<object[]> rows;
        int total;
        long version;
        lock (_gate)
        {
            rows = _rows;
            total = _totalRows;
            version = Version;
        }

        if (request.String("sort") is { } sort)
        {
            var index = Columns.ToList().FindIndex(c => c.Name == sort);
            if (index < 0)
            {
                throw new InvalidRequestException($"model {Descriptor.Id} has no column '{sort}': sort by {string.Join(", ", Columns.Select(c => c.Name))}");
            }

            var descending = request.String("desc") is not ("false" or "0");
            rows = descending
                ? [.. rows.OrderByDescending(r => r[index], ValueComparer.Instance)]
                : [.. rows.OrderBy(r => r[index], ValueComparer.Instance)];
        }

        if (request.Long("limit", 1, 100_000) is { } limit && rows.Count > limit)
        {
            rows = [.. rows.Take((int)limit)];
        }

        json.WriteStartObject();
        json.WriteString("kind", "live");
        json.WriteNumber("version", version);
        json.WriteStartArray("columns");
        foreach (var column in Columns)
        {
            json.WriteStartObject();
            json.WriteString("name", column.Name);
            json.WriteString("title", column.Title);
            json.WriteString("type", column.Type switch { ColumnType.Int => "int", ColumnType.Float => "float", _ => "string" });
            if (column.Unit is null)
            {
                json.WriteNull("unit");
            }
            else
            {
                json.WriteString("unit", column.Unit);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("rows");
        foreach (var row in rows)
        {
            json.WriteStartArray();
            foreach (var value in row)
            {
                switch (value)
                {
                    case long l:
                        json.WriteNumberValue(l);
                        break;
                    case int i:
                        json.WriteNumberValue(i);
                        break;
                    case double d:
                        json.WriteNumberValue(double.IsFinite(d) ? Math.Round(d, 6) : 0);
                        break;
                    case null:
                        json.WriteNullValue();
                        break;
                    default:
                        json.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                        break;
                }
            }

            json.WriteEndArray();
        }

        json.WriteEndArray();
        json.WriteNumber("totalRows", total);
        json.WriteBoolean("truncated", total > rows.Count);
        json.WriteEndObject();
        return version.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Numbers by value, strings ordinally, numbers before strings.</summary>
    private sealed class ValueComparer : IComparer<object>
    {
        public static readonly ValueComparer Instance = new();

        public int Compare(object? x, object? y) => (x, y) switch
        {
            (long a, long b) => a.CompareTo(b),
            (double a, double b) => a.CompareTo(b),
            (long a, double b) => ((double)a).CompareTo(b),
            (double a, long b) => a.CompareTo(b),
            (string a, string b) => string.CompareOrdinal(a, b),
            (null, null) => 0,
            (null, _) => -1,
            (_, null) => 1,
            (string, _) => 1,
            _ => -1,
        };
    }
}
