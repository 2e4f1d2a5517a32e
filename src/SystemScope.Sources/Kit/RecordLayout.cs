using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using SystemScope.Bpf;

namespace SystemScope.Sources.Kit;

/// <summary>Returns a reference to one field of a record: how a layout learns a member's offset from the C# struct itself.</summary>
internal delegate ref TField FieldOf<TRecord, TField>(ref TRecord record);

/// <summary>
/// What a map key, map value or ring buffer record is on the C# side, checked against the BPF
/// object's BTF at load: a struct (by C name, size and the offsets and sizes of the members C# reads)
/// or a plain scalar (by size).
/// </summary>
internal interface ILayout
{
    /// <summary>The C type: <c>struct cpu_count_key</c>, <c>__u64</c>.</summary>
    string CType { get; }

    int Size { get; }

    /// <summary>The struct's C name, or null for a scalar.</summary>
    string? StructName { get; }

    /// <summary>The mismatch with what the object's BTF says, in words; null when they agree.</summary>
    string? Disagreement(BtfTypeInfo? actual);

    /// <summary>The mismatch with a struct of the object's BTF (null when it has none of that name).</summary>
    string? Disagreement(BtfStruct? actual);
}

/// <summary>Scalars (<c>__u8</c> … <c>__u64</c>): only their size can be checked.</summary>
internal sealed class ScalarLayout(string cType, int size) : ILayout
{
    public static readonly ScalarLayout U8 = new("__u8", 1);
    public static readonly ScalarLayout U32 = new("__u32", 4);
    public static readonly ScalarLayout U64 = new("__u64", 8);

    public string CType { get; } = cType;

    public int Size { get; } = size;

    public string? StructName => null;

    public string? Disagreement(BtfTypeInfo? actual) =>
        actual is null ? $"BTF declares no type (C# expects {CType})"
        : actual.Size != Size ? $"BTF says {actual.Description} of {actual.Size} bytes, C# expects {CType} of {Size}"
        : null;

    public string? Disagreement(BtfStruct? actual) => $"{CType} is not a struct";
}

/// <summary>
/// A C# mirror of a C struct: its C name and the members C# reads, each tied to its C# field (so the
/// offsets come from the C# struct, not from a second list of numbers). Declared once per struct:
/// <code>
/// RecordLayout&lt;CpuCountKey&gt;.Of("cpu_count_key")
///     .Member("tgid", static (ref CpuCountKey k) =&gt; ref k.Tgid)
///     .Member("user_stack", static (ref CpuCountKey k) =&gt; ref k.UserStack);
/// </code>
/// Members the C struct has and C# does not mention (padding, fields it ignores) are allowed; the
/// struct's size must agree, so nothing can be added or moved without C# noticing.
/// </summary>
internal sealed class RecordLayout<TRecord> : ILayout
    where TRecord : unmanaged
{
    private readonly List<(string Name, int Offset, int Size)> _members = [];

    private RecordLayout(string structName) => StructName = structName;

    public string StructName { get; }

    public string CType => "struct " + StructName;

    public int Size => Unsafe.SizeOf<TRecord>();

    public IReadOnlyList<(string Name, int Offset, int Size)> Members => _members;

    public static RecordLayout<TRecord> Of(string structName) => new(structName);

    public RecordLayout<TRecord> Member<TField>(string name, FieldOf<TRecord, TField> field)
        where TField : unmanaged
    {
        var probe = default(TRecord);
        ref var start = ref Unsafe.As<TRecord, byte>(ref probe);
        ref var member = ref Unsafe.As<TField, byte>(ref field(ref probe));
        _members.Add((name, (int)Unsafe.ByteOffset(ref start, ref member), Unsafe.SizeOf<TField>()));
        return this;
    }

    public string? Disagreement(BtfTypeInfo? actual) =>
        actual?.Struct is { } btf
            ? btf.Name == StructName ? Disagreement(btf) : $"BTF says {actual.Description}, C# expects {CType}"
            : $"BTF says {actual?.Description ?? "nothing"}, C# expects {CType}";

    public string? Disagreement(BtfStruct? actual)
    {
        if (actual is null)
        {
            return $"the object's BTF has no {CType}";
        }

        var problems = new List<string>();
        if (actual.Size != Size)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"it is {actual.Size} bytes in BTF, {Size} in {typeof(TRecord).Name}"));
        }

        foreach (var (name, offset, size) in _members)
        {
            if (actual.Member(name) is not { } member)
            {
                problems.Add($"BTF has no member {name}");
            }
            else if (member.BitfieldSize != 0 || member.OffsetBits % 8 != 0)
            {
                problems.Add($"member {name} is a bitfield in BTF");
            }
            else if (member.Offset != offset || member.Size != size)
            {
                problems.Add(string.Create(
                    CultureInfo.InvariantCulture,
                    $"member {name} is at offset {member.Offset} ({member.Size} bytes) in BTF, at {offset} ({size} bytes) in C#"));
            }
        }

        return problems.Count == 0 ? null : string.Join("; ", problems);
    }

    public override string ToString()
    {
        var text = new StringBuilder(CType).Append(" (").Append(Size).Append(" bytes:");
        foreach (var (name, offset, _) in _members)
        {
            text.Append(' ').Append(name).Append('@').Append(offset);
        }

        return text.Append(')').ToString();
    }
}
