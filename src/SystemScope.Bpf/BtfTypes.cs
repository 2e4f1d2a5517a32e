using System.Runtime.InteropServices;
using SystemScope.Bpf.Interop;

namespace SystemScope.Bpf;

/// <summary>A member of a BTF struct: where it lies (bits, so that bitfields are exact) and how big it is.</summary>
public readonly record struct BtfStructMember(string Name, int OffsetBits, int BitfieldSize, int Size, string TypeName)
{
    public int Offset => OffsetBits / 8;
}

/// <summary>A struct as the object's BTF describes it.</summary>
public sealed record BtfStruct(string Name, int Size, IReadOnlyList<BtfStructMember> Members)
{
    public BtfStructMember? Member(string name)
    {
        foreach (var member in Members)
        {
            if (member.Name == name)
            {
                return member;
            }
        }

        return null;
    }
}

/// <summary>An enum as the object's BTF describes it: its enumerators in declaration order.</summary>
public sealed record BtfEnum(string Name, int Size, IReadOnlyList<BtfEnumerator> Values);

public readonly record struct BtfEnumerator(string Name, long Value);

/// <summary>What a map's key or value is, by the object's BTF: its description (<c>struct cpu_count_key</c>, <c>__u32</c>), size and, for structs, the struct.</summary>
public sealed record BtfTypeInfo(string Description, int Size, BtfStruct? Struct);

/// <summary>
/// The types of an opened <see cref="BpfObject"/>, from its own BTF (what the compiler saw, before
/// libbpf relocates anything against the kernel): struct layouts, enumerators, the key and value
/// types of its maps. This is what user-space mirrors of BPF structs are checked against.
/// </summary>
public sealed unsafe class BtfTypes
{
    private readonly BpfObject _owner;

    internal BtfTypes(BpfObject owner) => _owner = owner;

    /// <summary>The struct named <paramref name="name"/>, or null when the object's BTF has none.</summary>
    public BtfStruct? FindStruct(string name) => WithBtf(btf =>
    {
        var id = FindByName(btf, name, BpfConstants.BtfKindStruct);
        return id > 0 ? ReadStruct(btf, (uint)id) : null;
    });

    /// <summary>The enum named <paramref name="name"/> (32 or 64-bit), or null.</summary>
    public BtfEnum? FindEnum(string name) => WithBtf(btf =>
    {
        var id = FindByName(btf, name, BpfConstants.BtfKindEnum);
        if (id <= 0)
        {
            id = FindByName(btf, name, BpfConstants.BtfKindEnum64);
        }

        return id > 0 ? ReadEnum(btf, (uint)id) : null;
    });

    internal static BtfTypeInfo? Describe(nint btf, uint typeId)
    {
        if (typeId == 0)
        {
            return null;
        }

        var size = Libbpf.BtfResolveSize(btf, typeId);
        var resolved = Libbpf.BtfResolveType(btf, typeId);
        if (resolved <= 0)
        {
            return null;
        }

        var type = Libbpf.BtfTypeById(btf, (uint)resolved);
        var name = Name(btf, type->NameOff);
        switch (type->Kind)
        {
            case BpfConstants.BtfKindStruct:
                return new BtfTypeInfo($"struct {name}", (int)size, ReadStruct(btf, (uint)resolved));
            case BpfConstants.BtfKindUnion:
                return new BtfTypeInfo($"union {name}", (int)size, null);
            case BpfConstants.BtfKindEnum:
            case BpfConstants.BtfKindEnum64:
                return new BtfTypeInfo($"enum {name}", (int)size, null);
            case BpfConstants.BtfKindArray:
                return new BtfTypeInfo($"an array of {size} bytes", (int)size, null);
            default:
                // Integers by the name the source used (__u32 is a typedef of unsigned int).
                var declared = Libbpf.BtfTypeById(btf, typeId);
                var declaredName = Name(btf, declared->NameOff);
                return new BtfTypeInfo(declaredName.Length > 0 ? declaredName : name, (int)size, null);
        }
    }

    private static BtfStruct ReadStruct(nint btf, uint id)
    {
        var type = Libbpf.BtfTypeById(btf, id);
        var members = (BtfMember*)(type + 1);
        var list = new List<BtfStructMember>(type->VLen);
        for (var i = 0; i < type->VLen; i++)
        {
            var member = members[i];
            var (offset, bitfield) = type->KindFlag ? ((int)(member.Offset & 0xffffff), (int)(member.Offset >> 24)) : ((int)member.Offset, 0);
            var memberType = Describe(btf, member.Type);
            list.Add(new BtfStructMember(Name(btf, member.NameOff), offset, bitfield, memberType?.Size ?? 0, memberType?.Description ?? "?"));
        }

        return new BtfStruct(Name(btf, type->NameOff), (int)type->SizeOrType, list);
    }

    private static BtfEnum ReadEnum(nint btf, uint id)
    {
        var type = Libbpf.BtfTypeById(btf, id);
        var values = new List<BtfEnumerator>(type->VLen);
        if (type->Kind == BpfConstants.BtfKindEnum64)
        {
            var entries = (BtfEnum64Value*)(type + 1);
            for (var i = 0; i < type->VLen; i++)
            {
                values.Add(new BtfEnumerator(Name(btf, entries[i].NameOff), (long)(((ulong)entries[i].ValueHigh << 32) | entries[i].ValueLow)));
            }
        }
        else
        {
            var entries = (BtfEnumValue*)(type + 1);
            for (var i = 0; i < type->VLen; i++)
            {
                values.Add(new BtfEnumerator(Name(btf, entries[i].NameOff), entries[i].Value));
            }
        }

        return new BtfEnum(Name(btf, type->NameOff), (int)type->SizeOrType, values);
    }

    private static int FindByName(nint btf, string name, uint kind)
    {
        var text = BpfObjectHandle.AllocCString(name);
        try
        {
            return Libbpf.BtfFindByNameKind(btf, text, kind);
        }
        finally
        {
            NativeMemory.Free(text);
        }
    }

    private static string Name(nint btf, uint offset) =>
        Marshal.PtrToStringUTF8((nint)Libbpf.BtfNameByOffset(btf, offset)) ?? string.Empty;

    private T WithBtf<T>(Func<nint, T> read)
    {
        var added = false;
        _owner.Handle.DangerousAddRef(ref added);
        try
        {
            var btf = Libbpf.ObjectBtf(_owner.Handle.DangerousGetHandle());
            if (btf == 0)
            {
                throw new BpfException($"object {_owner.Name}: has no BTF (compile it with -g)");
            }

            return read(btf);
        }
        finally
        {
            if (added)
            {
                _owner.Handle.DangerousRelease();
            }
        }
    }
}
