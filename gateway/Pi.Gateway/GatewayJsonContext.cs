using System.Text.Json.Serialization;

namespace Pi.Gateway;

/// <summary>Source-generated JSON for the gateway's own small values (AOT-safe).</summary>
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(string))]
internal sealed partial class GatewayJsonContext : JsonSerializerContext;
