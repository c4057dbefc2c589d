using System.Text.Json;
using System.Text.Json.Serialization;
using Pi.Cloud.Sessions;

namespace Pi.Cloud;

/// <summary>Source-generated JSON for the cloud's own types (API bodies, session results).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true)]
[JsonSerializable(typeof(ServerTime))]
[JsonSerializable(typeof(Pi.Cloud.Devices.DeviceDescription))]
internal sealed partial class CloudJsonContext : JsonSerializerContext;
