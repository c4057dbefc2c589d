using System.Globalization;
using System.Net;
using System.Text.Json;

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
/// The demo's provisioning, through the app's own commands, as a user types them:
/// <c>provision --mac … --setup-code … --ssid … --password-stdin --no-input --search 127.0.0.1:PORT
/// --answer-port N --json</c>, and <c>subdevices add TID --kind … --name … --mac … --setup-code …
/// --search 127.0.0.1:PORT --answer-port N --broker mqtt://127.0.0.1:PORT --json</c>.
/// Failures are <see cref="DemoStepException"/>s with the command's exit code (9 no answer, 10 wrong
/// setup code, 11 busy, 12 Wi-Fi failure, 3..8 cloud).
/// </summary>
internal sealed class CommandProvisioning
{
    private readonly DemoApp _app;

    public CommandProvisioning(DemoApp app) => _app = app;

    public async Task<DemoProvisioned> ProvisionAsync(DemoProvisionRequest request, CancellationToken cancellationToken)
    {
        var run = await _app.RunAsync("provision",
        [
            "provision", "--mac", request.Mac, "--setup-code", request.SetupCode, "--ssid", request.Ssid, "--password-stdin", "--no-input",
            "--search", request.Search.ToString(), "--answer-port", request.AnswerPort.ToString(CultureInfo.InvariantCulture), "--timeout", "5", "--json",
        ], request.Password, cancellationToken).ConfigureAwait(false);
        var output = JsonSerializer.Deserialize(run.Stdout, DemoJson.Default.DemoProvisionOutput);
        if (output is not { Outcome: "connected", Tid: { } tid })
        {
            throw new DemoStepException("provision", $"provision printed no connected outcome: {output?.Outcome ?? "nothing"}", DemoCommand.PartFailed);
        }
        return new DemoProvisioned(tid, output.Ip, output.Online ?? false, output.Bound ?? false);
    }

    public async Task<DemoAdded> AddSubDeviceAsync(DemoAddRequest request, CancellationToken cancellationToken)
    {
        // The simulated gateway's LAN address (192.168.1.20) is not reachable here: the broker is given.
        var run = await _app.RunAsync("subdevices add",
        [
            "subdevices", "add", request.Tid, "--kind", request.Kind, "--name", request.Name, "--mac", request.Mac, "--setup-code", request.SetupCode,
            "--search", request.Search.ToString(), "--answer-port", request.AnswerPort.ToString(CultureInfo.InvariantCulture), "--timeout", "5",
            "--broker", request.Broker, "--json",
        ], null, cancellationToken).ConfigureAwait(false);
        var output = JsonSerializer.Deserialize(run.Stdout, DemoJson.Default.DemoAddOutput);
        if (output is not { Outcome: "added", Did: { } did })
        {
            throw new DemoStepException("subdevices add", $"subdevices add printed no added outcome: {output?.Outcome ?? "nothing"}", DemoCommand.PartFailed);
        }
        return new DemoAdded(did, output.Online ?? false);
    }
}
