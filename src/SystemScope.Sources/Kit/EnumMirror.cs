using System.Globalization;
using System.Text;
using SystemScope.Bpf;

namespace SystemScope.Sources.Kit;

/// <summary>
/// A C# enum that mirrors a C enum: each C# member <c>ThreadStart</c> must be the C enumerator
/// <c>{prefix}THREAD_START</c> with the same value. Checked against the object's BTF at load.
/// </summary>
internal sealed class EnumMirror
{
    private EnumMirror(string cName, IReadOnlyList<(string Name, long Value)> values)
    {
        CName = cName;
        Values = values;
    }

    public string CName { get; }

    public IReadOnlyList<(string Name, long Value)> Values { get; }

    public static EnumMirror Of<TEnum>(string cName, string prefix)
        where TEnum : struct, Enum
    {
        var values = new List<(string, long)>();
        foreach (var value in Enum.GetValues<TEnum>())
        {
            values.Add((prefix + UpperSnake(value.ToString()), Convert.ToInt64(value, CultureInfo.InvariantCulture)));
        }

        return new EnumMirror(cName, values);
    }

    public string? Disagreement(BtfEnum? actual)
    {
        if (actual is null)
        {
            return $"the object's BTF has no enum {CName}";
        }

        var problems = new List<string>();
        foreach (var (name, value) in Values)
        {
            var found = actual.Values.FirstOrDefault(v => v.Name == name);
            if (found.Name is null)
            {
                problems.Add($"BTF has no {name}");
            }
            else if (found.Value != value)
            {
                problems.Add(string.Create(CultureInfo.InvariantCulture, $"{name} is {found.Value} in BTF, {value} in C#"));
            }
        }

        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    private static string UpperSnake(string name)
    {
        var text = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]))
            {
                text.Append('_');
            }

            text.Append(char.ToUpperInvariant(name[i]));
        }

        return text.ToString();
    }
}
