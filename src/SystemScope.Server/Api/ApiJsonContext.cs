using System.Text.Json;
using System.Text.Json.Serialization;
using SystemScope.Core.Capabilities;
using SystemScope.Core.Processes;
using SystemScope.Core.Sessions;
using SystemScope.Core.Sources;

namespace SystemScope.Server.Api;

/// <summary>Source-generated serialisation for every API type (no reflection, NativeAOT-safe). Models write themselves.</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    Converters = [typeof(CamelCaseEnumConverter<SessionState>), typeof(CamelCaseEnumConverter<CounterKind>)])]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(IReadOnlyList<ProcessInfo>))]
[JsonSerializable(typeof(CapabilitiesResponse))]
[JsonSerializable(typeof(SessionSnapshot))]
[JsonSerializable(typeof(IReadOnlyList<SessionSnapshot>))]
[JsonSerializable(typeof(IReadOnlyList<ModelSnapshot>))]
[JsonSerializable(typeof(ApiProblem))]
[JsonSerializable(typeof(KernelFacts))]
[JsonSerializable(typeof(FeatureProbe))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;

/// <summary>Enums on the wire as camelCase strings ("running"), like the rest of the API.</summary>
internal sealed class CamelCaseEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(JsonNamingPolicy.CamelCase)
    where TEnum : struct, Enum;
