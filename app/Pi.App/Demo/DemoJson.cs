using System.Text.Json;
using System.Text.Json.Serialization;

namespace Pi.App.Demo;

/// <summary>A factory record (the JSON form of <c>Pi.Cloud import-devices</c>).</summary>
internal sealed record DemoFactoryRecord(string Mac, string Uuid, string Sn, string VerificationCode);

/// <summary>The simulated radio's world (docs/wifi.md, the simulated driver).</summary>
internal sealed record DemoWifiWorld(string MacAddress, string JoinDelay, IReadOnlyList<DemoWifiNetwork> Networks);

/// <summary>One simulated network; no password = open.</summary>
internal sealed record DemoWifiNetwork(string Ssid, string? Password, int Signal, string Ip);

// The cloud's APP API as far as the demo reads it (docs/cloud-api.md).

/// <summary>A gateway view with its sub-devices (<c>GET /api/gateways</c>, as <c>gateways --json</c> prints it).</summary>
internal sealed record DemoGatewayView(string Tid, bool Online, IReadOnlyList<DemoSubDeviceView>? SubDevices);

/// <summary>A sub-device in a gateway view.</summary>
internal sealed record DemoSubDeviceView(string Did, string? Kind, string? Name, string? State, bool Online, DateTimeOffset? LastTelemetryAt, JsonElement? LastTelemetry);

/// <summary>The reply <c>send --json</c> prints.</summary>
internal sealed record DemoCommandReply(string? Txn, bool Ok, JsonElement? Result, string? ErrorCode, string? ErrorMessage);

/// <summary>What <c>provision --json</c> prints at the end (the contract of issue 6).</summary>
internal sealed record DemoProvisionOutput(string Outcome, string? Tid, string? Mac, string? Ssid, string? Ip, bool? Online, bool? Bound, string? Step, string? Reason, string? Next);

/// <summary>What <c>subdevices add --json</c> prints at the end.</summary>
internal sealed record DemoAddOutput(string Outcome, string? Did, string? Tid, bool? Online, string? Step, string? Reason);

// The demo's own --json output.

/// <summary>One line of the summary table.</summary>
internal sealed record DemoStepRecord(string Step, string What, string Where, long Ms, string Outcome);

/// <summary>A sub-device at the end: its did, kind and the last telemetry the cloud holds.</summary>
internal sealed record DemoSubDeviceSummary(string Name, string Kind, string? Did, bool Online, JsonElement? LastTelemetry);

/// <summary>The whole run, printed by <c>demo --json</c> (one object on stdout).</summary>
internal sealed record DemoSummary(
    string Outcome,
    int ExitCode,
    string? FailedStep,
    string? Reason,
    string DataDirectory,
    bool Kept,
    string? Cloud,
    string? Tid,
    IReadOnlyList<DemoSubDeviceSummary> SubDevices,
    DemoCommandReply? CommandReply,
    IReadOnlyList<DemoStepRecord> Steps,
    long TotalMs);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(DemoFactoryRecord[]))]
[JsonSerializable(typeof(DemoWifiWorld))]
[JsonSerializable(typeof(List<DemoGatewayView>))]
[JsonSerializable(typeof(DemoCommandReply))]
[JsonSerializable(typeof(DemoProvisionOutput))]
[JsonSerializable(typeof(DemoAddOutput))]
[JsonSerializable(typeof(DemoSummary))]
internal sealed partial class DemoJson : JsonSerializerContext;
