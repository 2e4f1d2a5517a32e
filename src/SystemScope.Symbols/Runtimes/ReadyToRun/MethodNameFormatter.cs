using System.Collections.Immutable;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;

namespace SystemScope.Symbols.Runtimes.ReadyToRun;

/// <summary>
/// Names methods from ECMA-335 metadata the way the runtime's perf map does after its assembly
/// and tier are taken off (<c>System.Marvin::ComputeHash32(uint8&amp;,uint32,uint32,uint32)</c>), so that a
/// method's precompiled code and its later jitted tiers are one frame.
/// </summary>
internal sealed class MethodNameFormatter(MetadataReader metadata) : ISignatureTypeProvider<string, object?>
{
    // Tens of thousands of methods share a few thousand types: each type is named once per separator.
    private readonly Dictionary<(EntityHandle, char), string> _typeNames = [];

    /// <summary><c>Namespace.Type[+Nested]::Method(parameters)</c>.</summary>
    public string Format(MethodDefinitionHandle handle)
    {
        var method = metadata.GetMethodDefinition(handle);
        var owner = TypeName(method.GetDeclaringType());
        var name = metadata.GetString(method.Name);
        string parameters;
        try
        {
            var signature = method.DecodeSignature(this, null);
            parameters = string.Join(",", signature.ParameterTypes);
        }
        catch (BadImageFormatException)
        {
            parameters = "?";
        }

        return $"{owner}::{name}({parameters})";
    }

    /// <summary>
    /// A type definition's full name, nested types joined with <c>+</c> (as the runtime names a method's
    /// owner) or <c>/</c> (as it names types in a signature).
    /// </summary>
    public string TypeName(TypeDefinitionHandle handle, char nesting = '+')
    {
        if (_typeNames.TryGetValue((handle, nesting), out var known))
        {
            return known;
        }

        var name = UncachedTypeName(handle, nesting);
        _typeNames[(handle, nesting)] = name;
        return name;
    }

    private string UncachedTypeName(TypeDefinitionHandle handle, char nesting)
    {
        var type = metadata.GetTypeDefinition(handle);
        var name = metadata.GetString(type.Name);
        var declaring = type.GetDeclaringType();
        if (!declaring.IsNil)
        {
            return $"{TypeName(declaring, nesting)}{nesting}{name}";
        }

        var ns = metadata.GetString(type.Namespace);
        return ns.Length == 0 ? name : $"{ns}.{name}";
    }

    public string GetPrimitiveType(PrimitiveTypeCode typeCode) => typeCode switch
    {
        PrimitiveTypeCode.Void => "void",
        PrimitiveTypeCode.Boolean => "bool",
        PrimitiveTypeCode.Char => "char",
        PrimitiveTypeCode.SByte => "int8",
        PrimitiveTypeCode.Byte => "uint8",
        PrimitiveTypeCode.Int16 => "int16",
        PrimitiveTypeCode.UInt16 => "uint16",
        PrimitiveTypeCode.Int32 => "int32",
        PrimitiveTypeCode.UInt32 => "uint32",
        PrimitiveTypeCode.Int64 => "int64",
        PrimitiveTypeCode.UInt64 => "uint64",
        PrimitiveTypeCode.Single => "float32",
        PrimitiveTypeCode.Double => "float64",
        PrimitiveTypeCode.IntPtr => "native int",
        PrimitiveTypeCode.UIntPtr => "native uint",
        PrimitiveTypeCode.String => "string",
        PrimitiveTypeCode.Object => "object",
        PrimitiveTypeCode.TypedReference => "typedref",
        _ => typeCode.ToString(),
    };

    public string GetTypeFromDefinition(MetadataReader reader, TypeDefinitionHandle handle, byte rawTypeKind) =>
        Classed(TypeName(handle, '/'), rawTypeKind);

    public string GetTypeFromReference(MetadataReader reader, TypeReferenceHandle handle, byte rawTypeKind) =>
        Classed(ReferenceName(handle, '/'), rawTypeKind);

    public string GetTypeFromSpecification(MetadataReader reader, object? genericContext, TypeSpecificationHandle handle, byte rawTypeKind) =>
        reader.GetTypeSpecification(handle).DecodeSignature(this, genericContext);

    public string GetSZArrayType(string elementType) => $"{elementType}[]";

    public string GetArrayType(string elementType, ArrayShape shape) => $"{elementType}[{new string(',', Math.Max(shape.Rank - 1, 0))}]";

    public string GetByReferenceType(string elementType) => $"{elementType}&";

    public string GetPointerType(string elementType) => $"{elementType}*";

    public string GetGenericInstantiation(string genericType, ImmutableArray<string> typeArguments) =>
        $"{genericType}<{string.Join(",", typeArguments)}>";

    public string GetGenericTypeParameter(object? genericContext, int index) => $"!{index}";

    public string GetGenericMethodParameter(object? genericContext, int index) => $"!!{index}";

    public string GetFunctionPointerType(MethodSignature<string> signature)
    {
        var convention = signature.Header.CallingConvention switch
        {
            SignatureCallingConvention.Unmanaged => "unmanaged ",
            SignatureCallingConvention.CDecl => "unmanaged cdecl ",
            SignatureCallingConvention.StdCall => "unmanaged stdcall ",
            SignatureCallingConvention.ThisCall => "unmanaged thiscall ",
            SignatureCallingConvention.FastCall => "unmanaged fastcall ",
            _ => string.Empty,
        };
        return $"method {convention}{signature.ReturnType} *({string.Join(",", signature.ParameterTypes)})";
    }

    public string GetModifiedType(string modifier, string unmodifiedType, bool isRequired) => unmodifiedType;

    public string GetPinnedType(string elementType) => elementType;

    private static string Classed(string name, byte rawTypeKind) =>
        rawTypeKind == (byte)SignatureTypeKind.ValueType ? $"valuetype {name}" : $"class {name}";

    /// <summary>A type reference's full name, nested types joined with <paramref name="nesting"/> (see <see cref="TypeName"/>).</summary>
    public string ReferenceName(TypeReferenceHandle handle, char nesting)
    {
        if (_typeNames.TryGetValue((handle, nesting), out var known))
        {
            return known;
        }

        var name = UncachedReferenceName(handle, nesting);
        _typeNames[(handle, nesting)] = name;
        return name;
    }

    private string UncachedReferenceName(TypeReferenceHandle handle, char nesting)
    {
        var reference = metadata.GetTypeReference(handle);
        var name = metadata.GetString(reference.Name);
        if (reference.ResolutionScope.Kind == HandleKind.TypeReference)
        {
            return $"{ReferenceName((TypeReferenceHandle)reference.ResolutionScope, nesting)}{nesting}{name}";
        }

        var ns = metadata.GetString(reference.Namespace);
        return ns.Length == 0 ? name : $"{ns}.{name}";
    }

    internal static MethodDefinitionHandle MethodByRid(int rid) => MetadataTokens.MethodDefinitionHandle(rid);
}
