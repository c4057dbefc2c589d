using Pi.App.Cloud;
using Pi.App.Commands;
using Pi.App.Provisioning;
using Pi.Protocol.Crypto;
using Pi.Protocol.Messages;

namespace Pi.App.Demo;

/// <summary>
/// <see cref="IDemoProvisioning"/> on the app's provisioning library (<see cref="ProvisioningClient"/>)
/// and cloud client (<see cref="CloudApi"/>) with the logged-in session of the config directory:
/// the steps of the <c>provision</c> and <c>subdevices add</c> commands of the contract (issue 6),
/// for as long as those commands are not in the app. <see cref="DemoRun.CreateProvisioning"/> picks
/// the implementation; switching to the commands changes that one line.
/// </summary>
internal sealed class LibraryProvisioning : IDemoProvisioning
{
    // The contract's exit codes for provisioning failures (Cli gets them with the provision command).
    private const int NoAnswer = 9, WrongSetupCode = 10, Busy = 11, WifiFailure = 12;

    private static readonly TimeSpan OnlineTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    private readonly DemoApp _app;

    public LibraryProvisioning(DemoApp app) => _app = app;

    public async Task<DemoProvisioned> ProvisionAsync(DemoProvisionRequest request, CancellationToken cancellationToken)
    {
        const string Step = "provision";
        var session = new SessionStore(_app.ConfigDirectory).Load();
        using var api = new CloudApi(new Uri(session.Cloud), session.Trust, session.Token, CloudOptions.Timeout);
        var options = new SearchOptions
        {
            SearchEndPoint = request.Search,
            AnswerPort = request.AnswerPort,
            Random = Convert.FromBase64String(session.Nonce),
            Timeout = TimeSpan.FromSeconds(5),
        };
        using var client = new ProvisioningClient(request.Mac, ProvisioningSecret.FromSetupCode(SetupCode.Parse(request.SetupCode)), options);
        return await Guard(Step, async () =>
        {
            FoundDevice found;
            WifiOutcome wifi;
            await using (var softAp = await client.SearchAndConnectAsync(cancellationToken).ConfigureAwait(false))
            {
                found = softAp.Device;
                var networks = await softAp.GetSsidListAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                if (!networks.Any(n => n.Ssid == request.Ssid))
                {
                    throw new DemoStepException(Step, $"the gateway does not see {request.Ssid}", WifiFailure);
                }
                wifi = await softAp.JoinWifiAsync(new WifiCredentials(request.Ssid, new SecretString(request.Password)), cancellationToken).ConfigureAwait(false);
            }
            if (wifi.Kind == WifiOutcomeKind.Failed)
            {
                throw new DemoStepException(Step, $"Wi-Fi failure: the gateway could not join {request.Ssid}: {wifi.Reason}", WifiFailure);
            }

            var registration = await api.SendAsync(HttpMethod.Post, "/api/gateways",
                new DemoRegisterRequest(found.Info.Mac, found.Info.Uuid, found.Info.Sn, found.Info.Hash ?? "", found.Info.Product, found.Info.Firmware),
                DemoJson.Default.DemoRegisterRequest, DemoJson.Default.DemoRegistration, cancellationToken).ConfigureAwait(false);

            // The second search, on the router's LAN, hands over registrationInfo under a new agreekey.
            await using (var lan = await client.SearchAndConnectAsync(cancellationToken).ConfigureAwait(false))
            {
                await lan.DeliverRegistrationAsync(new RegistrationInfo(
                    registration.Tid, new SecretString(registration.Password), SymmetricKey.Parse(registration.AccessKey), SymmetricKey.Parse(registration.LocalKey),
                    registration.KeyId, registration.KeyExpiresAt, registration.ServiceExpiresAt, registration.CloudUrl), cancellationToken).ConfigureAwait(false);
            }

            // The cloud shows a gateway only to its owner: bind, then watch it come online.
            var bound = await api.SendAsync(HttpMethod.Post, $"/api/gateways/{registration.Tid}/bind", new DemoBindRequest(found.Info.Hash ?? ""),
                DemoJson.Default.DemoBindRequest, DemoJson.Default.DemoBindAnswer, cancellationToken).ConfigureAwait(false);
            await UntilAsync(Step, api, registration.Tid, view => view.Online, "the gateway did not come online at the cloud", cancellationToken).ConfigureAwait(false);
            return new DemoProvisioned(registration.Tid, wifi.Ip, true, bound.Bound);
        }).ConfigureAwait(false);
    }

    public async Task<DemoAdded> AddSubDeviceAsync(DemoAddRequest request, CancellationToken cancellationToken)
    {
        const string Step = "subdevices add";
        var session = new SessionStore(_app.ConfigDirectory).Load();
        using var api = new CloudApi(new Uri(session.Cloud), session.Trust, session.Token, CloudOptions.Timeout);
        var options = new SearchOptions { SearchEndPoint = request.Search, AnswerPort = request.AnswerPort, Timeout = TimeSpan.FromSeconds(5) };
        using var client = new ProvisioningClient(request.Mac, ProvisioningSecret.FromSetupCode(SetupCode.Parse(request.SetupCode)), options);
        return await Guard(Step, async () =>
        {
            var added = await api.SendAsync(HttpMethod.Post, $"/api/gateways/{request.Tid}/subdevices", new DemoAddSubDeviceRequest(request.Kind, request.Name),
                DemoJson.Default.DemoAddSubDeviceRequest, DemoJson.Default.DemoAddedSubDevice, cancellationToken).ConfigureAwait(false);
            await using (var onboarding = await client.SearchAndConnectAsync(cancellationToken).ConfigureAwait(false))
            {
                await onboarding.DeliverSubDeviceAsync(new SubDeviceInfo(added.Did, SymmetricKey.Parse(added.LocalKey), added.KeyId, added.KeyExpiresAt, request.Broker, null, request.Kind), cancellationToken).ConfigureAwait(false);
            }
            var opened = await api.SendAsync(HttpMethod.Post, $"/api/gateways/{request.Tid}/commands", new DemoPairingCommand("pairing.open", null, null, null),
                DemoJson.Default.DemoPairingCommand, DemoJson.Default.DemoCommandReply, cancellationToken).ConfigureAwait(false);
            if (!opened.Ok)
            {
                throw new DemoStepException(Step, $"the gateway did not open its pairing window: {opened.ErrorCode}: {opened.ErrorMessage}", Cli.DeviceError);
            }
            await UntilAsync(Step, api, request.Tid, view => view.SubDevices?.Any(s => s.Did == added.Did && s.Online) == true,
                $"{added.Did} did not come online at the cloud", cancellationToken).ConfigureAwait(false);
            return new DemoAdded(added.Did, true);
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// Polls the gateway view until <paramref name="done"/> holds: the app knows no other way than
    /// asking the cloud (bounded by <see cref="OnlineTimeout"/>).
    /// </summary>
    private static async Task UntilAsync(string step, CloudApi api, string tid, Func<DemoGatewayView, bool> done, string failure, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + OnlineTimeout;
        while (true)
        {
            var view = await api.SendAsync(HttpMethod.Get, $"/api/gateways/{tid}", DemoJson.Default.DemoGatewayView, cancellationToken).ConfigureAwait(false);
            if (done(view))
            {
                return;
            }
            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new DemoStepException(step, $"{failure} within {OnlineTimeout.TotalSeconds:0} s", Cli.DeviceError);
            }
            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<T> Guard<T>(string step, Func<Task<T>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (CloudException ex)
        {
            throw new DemoStepException(step, ex.Message, ex.ExitCode, ex);
        }
        catch (ProvisioningClientException ex)
        {
            var exit = ex.Failure switch
            {
                ProvisioningFailure.NoAnswer => NoAnswer,
                ProvisioningFailure.WrongSetupCode => WrongSetupCode,
                ProvisioningFailure.Busy => Busy,
                _ => Cli.ProtocolError,
            };
            throw new DemoStepException(step, ex.Message, exit, ex);
        }
    }
}
