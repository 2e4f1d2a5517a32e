using System.Text.Json;
using System.Text.Json.Serialization;
using SystemScope.Core.Capabilities;
using SystemScope.Core.Models;
using SystemScope.Core.Processes;
using SystemScope.Core.Sessions;

namespace SystemScope.Server.Api;

/// <summary>Source-generated serialisation for every API type (no reflection, NativeAOT-safe).</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    Converters = [typeof(CamelCaseEnumConverter<SessionState>)])]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(IReadOnlyList<ProcessInfo>))]
[JsonSerializable(typeof(CapabilitiesResponse))]
[JsonSerializable(typeof(StartSessionRequest))]
[JsonSerializable(typeof(RetargetRequest))]
[JsonSerializable(typeof(SessionSnapshot))]
[JsonSerializable(typeof(IReadOnlyList<SessionSnapshot>))]
[JsonSerializable(typeof(FlameGraphUpdate))]
[JsonSerializable(typeof(StreamUpdate))]
[JsonSerializable(typeof(ApiProblem))]
[JsonSerializable(typeof(KernelFacts))]
[JsonSerializable(typeof(FeatureProbe))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;

/// <summary>Enums on the wire as camelCase strings ("running"), like the rest of the API.</summary>
internal sealed class CamelCaseEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(JsonNamingPolicy.CamelCase)
    where TEnum : struct, Enum;
