using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Pi.App.Cloud;
using Pi.App.Provisioning;
using Pi.Protocol.Crypto;
using Pi.Protocol.Messages;

namespace Pi.App.Commands;

/// <summary>
/// <c>subdevices add TID</c>: registers a sub-device under a gateway at the cloud and onboards it
/// over the provisioning procedure (docs/protocol.md section 6.1), then waits until the cloud shows
/// it online.
/// </summary>
/// <remarks>
/// The order keeps the first link from being refused: the sub-device connects to the gateway's
/// broker as soon as it has its info, and a sub-device that never linked is admitted only when the
/// gateway holds its keys and its pairing window is open (section 10.1-10.2). So: search (the
/// device is there and the code is right), register, wait until the gateway acknowledged the keys
/// (the cloud's sub-device state leaves <c>pending</c>), <c>pairing.open</c>, deliver, wait online.
/// The APP cannot ask the gateway for its broker's address (neither deviceInfo nor
/// <c>bridge.state</c> carries it): <c>--broker</c> gives it, or the address <c>provision</c> kept.
/// </remarks>
internal static class SubDeviceAddCommand
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan KeysTimeout = TimeSpan.FromSeconds(30);
    private const int DefaultBrokerPort = 1883;

    public static Command Create(CliContext io)
    {
        var tid = new Argument<string>("tid") { Description = "the gateway's tid" };
        var device = new DeviceOptions();
        var kind = new Option<string>("--kind") { Description = "what the sub-device is: sensor or switch" }.AcceptOnlyFromAmong("sensor", "switch");
        var name = new Option<string>("--name") { Description = "a name for it (shown by the cloud)" };
        var broker = new Option<string>("--broker")
        {
            Description = "the gateway's LAN broker, mqtt://host:port or mqtts://host:port (default: mqtt://<the address provision kept>:1883)",
        };
        var fingerprint = new Option<string>("--broker-fingerprint") { Description = "for mqtts: the SHA-256 of the broker's certificate (64 hex digits), for the sub-device to pin" };
        var configDir = CloudOptions.ConfigDir();
        var json = CloudOptions.Json();
        var command = new Command("add", "Add a sub-device to a gateway: register it at the cloud, open the gateway's pairing window, onboard the sub-device over its provisioning procedure and wait until it is online")
        {
            tid, kind, name, broker, fingerprint, configDir, json,
        };
        foreach (var option in device.All)
        {
            command.Add(option);
        }
        command.SetAction(async (parse, cancellationToken) =>
        {
            var ui = StepUi.Create(io, parse.GetValue(json), noInput: true);
            var state = new AddState(io, ui, parse.GetValue(json), parse.GetValue(device.ShowSecrets));
            try
            {
                var gatewayTid = parse.GetRequiredValue(tid).Trim();
                if (gatewayTid.Length == 0)
                {
                    throw new UsageException("the tid is empty");
                }
                state.Tid = gatewayTid;
                var target = await device.ReadTargetAsync(parse, io, cancellationToken).ConfigureAwait(false);
                state.SetupCode = target.SetupCode.ToDisplayString();
                var brokerUrl = parse.GetValue(broker) is { } given
                    ? ParseBroker(given)
                    : new KnownGateways(parse.GetValue(configDir)).Find(gatewayTid) is { Ip: { } ip }
                        ? $"mqtt://{ip}:{DefaultBrokerPort.ToString(CultureInfo.InvariantCulture)}"
                        : throw new UsageException($"--broker is needed: this app did not provision {gatewayTid}, so it does not know the address of its broker");
                state.Broker = brokerUrl;
                var pin = parse.GetValue(fingerprint) is { } fp ? CloudApi.NormalizeFingerprint(fp) : null;
                var session = new SessionStore(parse.GetValue(configDir)).Load();
                io.AddSecret(session.Token);
                var options = device.ReadSearchOptions(parse, null);
                var onlineTimeout = device.ReadOnlineTimeout(parse);
                using var client = new ProvisioningClient(target.Mac, ProvisioningSecret.FromSetupCode(target.SetupCode), options);
                using var api = new CloudApi(new Uri(session.Cloud), session.Trust, session.Token, CloudOptions.Timeout + TimeSpan.FromSeconds(10));
                var tidPath = Uri.EscapeDataString(gatewayTid);

                // search
                var found = await DeviceStep(ui, "search", $"searching for {target.Mac} at {options.SearchEndPoint}", () => client.SearchAsync(cancellationToken)).ConfigureAwait(false);
                var foundAt = TimeProvider.System.GetTimestamp();
                ui.Done("search", $"found {found.Info.Mac} at {found.SessionEndPoint}" + (found.Info.Product is null ? "" : $" ({found.Info.Product})"));

                // register
                var added = await CloudStep(ui, "register", $"registering the sub-device under {gatewayTid}",
                    () => api.SendAsync(HttpMethod.Post, $"/api/gateways/{tidPath}/subdevices", new AddSubDeviceDto(parse.GetValue(kind), parse.GetValue(name)),
                        AppJson.Default.AddSubDeviceDto, AppJson.Default.AddedSubDeviceDto, cancellationToken)).ConfigureAwait(false);
                io.AddSecret(added.LocalKey);
                io.AddSecret(added.AccessKey);
                state.Added = added;
                ui.Done("register", $"registered as {added.Did}" + (added.Delivered ? "" : " (the gateway is offline: it gets the keys when it connects)"));

                // pairing: the gateway holds the keys, then its window opens
                var holdsKeys = await CloudStep(ui, "pairing", $"waiting for {gatewayTid} to take the keys of {added.Did}",
                    () => WaitAsync(api, tidPath, KeysTimeout, view => view.SubDevices?.FirstOrDefault(d => d.Did == added.Did) is { } d && d.State != "pending", cancellationToken)).ConfigureAwait(false);
                if (!holdsKeys)
                {
                    throw new StepFailure("pairing", Cli.DeviceError, $"{gatewayTid} did not take the keys of {added.Did} within {DeviceOptions.Seconds(KeysTimeout)}",
                        $"check that {gatewayTid} is online (pi-app gateways), then run subdevices add again; remove {added.Did} (pi-app subdevices remove) if you give up");
                }
                var reply = await CloudStep(ui, "pairing", $"opening the pairing window of {gatewayTid}",
                    () => api.SendAsync(HttpMethod.Post, $"/api/gateways/{tidPath}/commands", new CommandDto("pairing.open", null, null, null), AppJson.Default.CommandDto, AppJson.Default.CommandReplyDto, cancellationToken)).ConfigureAwait(false);
                if (!reply.Ok)
                {
                    throw new StepFailure("pairing", Cli.DeviceError, $"the gateway answered pairing.open with an error: {reply.ErrorCode ?? "error"}: {reply.ErrorMessage ?? "no details"}",
                        "check the gateway (pi-app gateways) and run subdevices add again");
                }
                ui.Done("pairing", $"the pairing window of {gatewayTid} is open" + (reply.Result is { } r && r.TryGetProperty("until", out var until) ? $" until {until.GetString()}" : ""));

                // deliver (a fresh search when the first one's pending session may have expired)
                if (TimeProvider.System.GetElapsedTime(foundAt) > TimeSpan.FromSeconds(40))
                {
                    found = await DeviceStep(ui, "deliver", $"searching for {target.Mac} again", () => client.SearchAsync(cancellationToken)).ConfigureAwait(false);
                }
                var info = new SubDeviceInfo(added.Did, SymmetricKey.Parse(added.LocalKey), added.KeyId, added.KeyExpiresAt, brokerUrl, pin, parse.GetValue(kind));
                var onboarding = await DeviceStep(ui, "deliver", $"opening the session to {found.SessionEndPoint}", () => client.ConnectAsync(found, cancellationToken)).ConfigureAwait(false);
                await using (onboarding.ConfigureAwait(false))
                {
                    await DeviceStep(ui, "deliver", $"handing {added.Did} its keys and the broker {brokerUrl}", () => onboarding.DeliverSubDeviceAsync(info, cancellationToken)).ConfigureAwait(false);
                }
                ui.Done("deliver", $"the sub-device stored its info and connects to {brokerUrl}");

                // online
                var online = false;
                if (onlineTimeout > TimeSpan.Zero)
                {
                    online = await CloudStep(ui, "online", $"waiting up to {DeviceOptions.Seconds(onlineTimeout)} for {added.Did} to come online",
                        () => WaitAsync(api, tidPath, onlineTimeout, view => view.SubDevices?.FirstOrDefault(d => d.Did == added.Did) is { Online: true }, cancellationToken)).ConfigureAwait(false);
                    if (!online)
                    {
                        throw new StepFailure("online", Cli.DeviceError, $"{added.Did} did not come online within {DeviceOptions.Seconds(onlineTimeout)}",
                            $"check that the sub-device reaches {brokerUrl} (the gateway's broker) and that the gateway is online; the pairing window stays open for a while (a short press of the gateway's button opens it again)");
                    }
                    ui.Done("online", $"{added.Did} is online");
                }
                if (state.Json)
                {
                    io.Out.WriteLine(JsonSerializer.Serialize(new SubDeviceAddOutput("added", Did: added.Did, Tid: gatewayTid, Online: online, Broker: brokerUrl, Secrets: state.Secrets()), AppJson.Default.SubDeviceAddOutput));
                }
                else
                {
                    ui.Outcome(true, $"added: {added.Did} under {gatewayTid}" + (online ? ", online" : ""));
                    state.WriteSecrets();
                }
                return Cli.Success;
            }
            catch (StepFailure failure)
            {
                return state.Fail(failure);
            }
        });
        return command;
    }

    /// <summary>mqtt://host:port or mqtts://host:port.</summary>
    private static string ParseBroker(string text)
    {
        if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("mqtt" or "mqtts") || uri.Port <= 0
            || string.IsNullOrEmpty(uri.Host) || uri.AbsolutePath is not ("" or "/") || text.Length > 256)
        {
            throw new UsageException("--broker must be mqtt://host:port or mqtts://host:port");
        }
        return $"{uri.Scheme}://{uri.Authority}";
    }

    private static Task<T> DeviceStep<T>(StepUi ui, string step, string doing, Func<Task<T>> work) =>
        DeviceOptions.DeviceStepAsync(ui, step, doing, work, "sub-device");

    private static async Task<T> CloudStep<T>(StepUi ui, string step, string doing, Func<Task<T>> work)
    {
        try
        {
            return await ui.StepAsync(step, doing, work).ConfigureAwait(false);
        }
        catch (CloudException ex)
        {
            var next = ex.ExitCode switch
            {
                Cli.CloudUnreachable => "this computer must reach the cloud: check the connection and run subdevices add again",
                Cli.NotAuthorized => "log in again (pi-app login) as the gateway's owner",
                Cli.NotFound => "check the gateway's tid (pi-app gateways)",
                Cli.DeviceError => "the gateway must be online for this: check it (pi-app gateways) and run subdevices add again",
                _ => "run subdevices add again; if it persists, check the cloud",
            };
            throw new StepFailure(step, ex.ExitCode, ex.Message, next, ex);
        }
    }

    /// <summary>Asks for the gateway's view until <paramref name="done"/> holds or the time is up (a remote API: no event to await).</summary>
    private static async Task<bool> WaitAsync(CloudApi api, string tidPath, TimeSpan timeout, Func<GatewayDetailDto, bool> done, CancellationToken cancellationToken)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            var view = await api.SendAsync(HttpMethod.Get, $"/api/gateways/{tidPath}", AppJson.Default.GatewayDetailDto, cancellationToken).ConfigureAwait(false);
            if (done(view))
            {
                return true;
            }
            var left = timeout - TimeProvider.System.GetElapsedTime(started);
            if (left <= TimeSpan.Zero)
            {
                return false;
            }
            await Task.Delay(left < PollInterval ? left : PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    private sealed class AddState(CliContext io, StepUi ui, bool json, bool showSecrets)
    {
        public bool Json => json;

        public string? Tid { get; set; }

        public string? SetupCode { get; set; }

        public string? Broker { get; set; }

        public AddedSubDeviceDto? Added { get; set; }

        public SubDeviceSecretsOutput? Secrets() => showSecrets ? new SubDeviceSecretsOutput(SetupCode, Added?.LocalKey, Added?.AccessKey, Added?.KeyId) : null;

        public void WriteSecrets()
        {
            if (!showSecrets)
            {
                return;
            }
            ui.Secret($"setup code  {SetupCode}");
            if (Added is { } a)
            {
                ui.Secret($"localKey    {a.LocalKey}");
                ui.Secret($"accessKey   {a.AccessKey}");
                ui.Secret($"keyId       {a.KeyId.ToString(CultureInfo.InvariantCulture)}");
            }
        }

        public int Fail(StepFailure failure)
        {
            var reason = io.Redact(failure.Message);
            var next = io.Redact(failure.Next);
            if (json)
            {
                io.Out.WriteLine(JsonSerializer.Serialize(new SubDeviceAddOutput("failed", failure.Step, reason, next, Added?.Did, Tid, Broker: Broker, Secrets: Secrets()), AppJson.Default.SubDeviceAddOutput));
            }
            else
            {
                ui.Outcome(false, $"failed at step {failure.Step}");
                WriteSecrets();
            }
            io.WriteError(reason);
            io.WriteNote("next: " + next);
            return failure.ExitCode;
        }
    }
}
