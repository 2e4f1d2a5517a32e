using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;

namespace SystemScope.Symbols.Runtimes.ReadyToRun;

/// <summary>
/// One InstanceMethodEntryPoints entry: a method signature in the runtime's own encoding (flags,
/// optional owner type, method token, optional method instantiation) followed by the entry point's
/// runtime function index. Names generic code as the runtime does:
/// <c>System.Collections.Generic.Dictionary`2[System.__Canon,System.Int32]::TryGetValue(!0,!1&amp;)</c>.
/// Methods or types of other modules (a module override) keep the index but get no name.
/// </summary>
internal static class InstanceEntryPoint
{
    private const uint MethodInstantiation = 0x04;
    private const uint SlotInsteadOfToken = 0x08;
    private const uint MemberRefToken = 0x10;
    private const uint Constrained = 0x20;
    private const uint OwnerType = 0x40;
    private const uint UpdateContext = 0x80;

    private const byte ModuleOverride = 0x3f;
    private const byte Canon = 0x3e;
    private const byte NativeValueType = 0x3d;

    /// <summary>The runtime function index of the entry at <paramref name="rva"/>, and its name when it can be told.</summary>
    public static (uint Function, string? Name) Read(RvaImage image, uint rva, MetadataReader metadata, MethodNameFormatter names)
    {
        var cursor = new Cursor(image, rva, names);
        var flags = cursor.Compressed();
        var foreign = false;
        if ((flags & UpdateContext) != 0)
        {
            cursor.Compressed();
            foreign = true;
        }

        string? owner = null;
        if ((flags & OwnerType) != 0)
        {
            owner = cursor.Type(metadata, ref foreign);
        }

        if ((flags & SlotInsteadOfToken) != 0)
        {
            throw new BadImageFormatException("instance entry point by slot");
        }

        var rid = (int)cursor.Compressed();
        if ((flags & MethodInstantiation) != 0)
        {
            var count = cursor.Compressed();
            for (var i = 0; i < count; i++)
            {
                cursor.Type(metadata, ref foreign);
            }
        }

        if ((flags & Constrained) != 0)
        {
            cursor.Type(metadata, ref foreign);
        }

        image.DecodeUnsigned(cursor.Rva, out var id);
        var function = (id & 1) != 0 ? id >> 2 : id >> 1;
        if (foreign || (flags & MemberRefToken) != 0 || rid <= 0 || rid > metadata.MethodDefinitions.Count)
        {
            return (function, null);
        }

        var name = names.Format(MethodNameFormatter.MethodByRid(rid));
        if (owner is not null)
        {
            // The owner as instantiated replaces the bare declaring type before "::".
            name = owner + name[name.IndexOf("::", StringComparison.Ordinal)..];
        }

        return (function, name);
    }

    private sealed class Cursor(RvaImage image, uint rva, MethodNameFormatter names)
    {
        public uint Rva { get; private set; } = rva;

        /// <summary>An ECMA-335 compressed unsigned integer.</summary>
        public uint Compressed()
        {
            uint first = image.ReadByte(Rva);
            if ((first & 0x80) == 0)
            {
                Rva += 1;
                return first;
            }

            if ((first & 0xC0) == 0x80)
            {
                var value = ((first & 0x3F) << 8) | image.ReadByte(Rva + 1);
                Rva += 2;
                return value;
            }

            var wide = ((first & 0x1F) << 24) | ((uint)image.ReadByte(Rva + 1) << 16) | ((uint)image.ReadByte(Rva + 2) << 8) | image.ReadByte(Rva + 3);
            Rva += 4;
            return wide;
        }

        /// <summary>Reads one type and returns its runtime name (<c>System.Int32</c>, <c>Ns.Type`1[System.__Canon]</c>).</summary>
        public string Type(MetadataReader metadata, ref bool foreign)
        {
            var element = image.ReadByte(Rva);
            Rva++;
            switch (element)
            {
                case >= 0x01 and <= 0x0e:
                case 0x16 or 0x18 or 0x19 or 0x1c:
                    return Primitive(element);
                case 0x0f:
                    return Type(metadata, ref foreign) + "*";
                case 0x10:
                    return Type(metadata, ref foreign) + "&";
                case 0x1d:
                    return Type(metadata, ref foreign) + "[]";
                case 0x45 or NativeValueType:
                    return Type(metadata, ref foreign);
                case 0x11 or 0x12:
                    return TypeToken(metadata, foreign);
                case 0x13:
                    return $"!{Compressed()}";
                case 0x1e:
                    return $"!!{Compressed()}";
                case 0x15:
                {
                    Rva++; // class or valuetype
                    var generic = TypeToken(metadata, foreign);
                    var count = Compressed();
                    var arguments = new string[count];
                    for (var i = 0; i < count; i++)
                    {
                        arguments[i] = Type(metadata, ref foreign);
                    }

                    return $"{generic}[{string.Join(",", arguments)}]";
                }

                case 0x14:
                {
                    var elementType = Type(metadata, ref foreign);
                    var rank = Compressed();
                    for (var n = Compressed(); n > 0; n--)
                    {
                        Compressed();
                    }

                    for (var n = Compressed(); n > 0; n--)
                    {
                        Compressed();
                    }

                    return $"{elementType}[{new string(',', (int)Math.Max(rank, 1) - 1)}]";
                }

                case 0x1f or 0x20:
                    Compressed();
                    return Type(metadata, ref foreign);
                case Canon:
                    return "System.__Canon";
                case ModuleOverride:
                {
                    Compressed();
                    var inner = false;
                    var name = Type(metadata, ref inner);
                    foreign = true;
                    return name;
                }

                default:
                    throw new BadImageFormatException($"signature element 0x{element:x2} at RVA 0x{Rva - 1:x}");
            }
        }

        private string TypeToken(MetadataReader metadata, bool foreign)
        {
            var coded = Compressed();
            var row = (int)(coded >> 2);
            if (foreign || row == 0)
            {
                return "?";
            }

            return (coded & 3) switch
            {
                0 when row <= metadata.TypeDefinitions.Count => names.TypeName(MetadataTokens.TypeDefinitionHandle(row)),
                1 when row <= metadata.TypeReferences.Count => names.ReferenceName(MetadataTokens.TypeReferenceHandle(row), '+'),
                _ => "?",
            };
        }

        private static string Primitive(byte element) => element switch
        {
            0x01 => "System.Void",
            0x02 => "System.Boolean",
            0x03 => "System.Char",
            0x04 => "System.SByte",
            0x05 => "System.Byte",
            0x06 => "System.Int16",
            0x07 => "System.UInt16",
            0x08 => "System.Int32",
            0x09 => "System.UInt32",
            0x0a => "System.Int64",
            0x0b => "System.UInt64",
            0x0c => "System.Single",
            0x0d => "System.Double",
            0x0e => "System.String",
            0x16 => "System.TypedReference",
            0x18 => "System.IntPtr",
            0x19 => "System.UIntPtr",
            _ => "System.Object",
        };
    }
}
