using System.Net;

namespace Pi.App.Demo;

/// <summary>What the user types for <c>provision</c>: the label's MAC and setup code, the router and its password, where to search.</summary>
internal sealed record DemoProvisionRequest(string Mac, string SetupCode, string Ssid, string Password, IPEndPoint Search, int AnswerPort);

/// <summary>The gateway provisioned, online at the cloud and bound to the user.</summary>
internal sealed record DemoProvisioned(string Tid, string? Ip, bool Online, bool Bound);

/// <summary>What the user types for <c>subdevices add</c>: the gateway, the sub-device's label, where to search, and the gateway's broker.</summary>
internal sealed record DemoAddRequest(string Tid, string Name, string Kind, string Mac, string SetupCode, IPEndPoint Search, int AnswerPort, string Broker);

/// <summary>The sub-device registered, onboarded and (when <see cref="Online"/>) linked.</summary>
internal sealed record DemoAdded(string Did, bool Online);

/// <summary>
/// The seam between the demo and the app's provisioning: the <c>provision</c> and
/// <c>subdevices add</c> commands. Failures are <see cref="DemoStepException"/>s with the exit code
/// the command has (9 no answer, 10 wrong setup code, 11 busy, 12 Wi-Fi failure, 3..8 cloud).
/// </summary>
internal interface IDemoProvisioning
{
    Task<DemoProvisioned> ProvisionAsync(DemoProvisionRequest request, CancellationToken cancellationToken);

    Task<DemoAdded> AddSubDeviceAsync(DemoAddRequest request, CancellationToken cancellationToken);
}
