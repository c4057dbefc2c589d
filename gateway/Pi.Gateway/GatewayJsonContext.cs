using System.Text.Json.Serialization;

namespace Pi.Gateway;

/// <summary>Source-generated JSON for the gateway's own small values (AOT-safe).</summary>
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(Bridge.LinkedFile))]
internal sealed partial class GatewayJsonContext : JsonSerializerContext;
