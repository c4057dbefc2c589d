using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Pi.App.Cloud;
using Pi.App.Provisioning;
using Pi.Protocol.Crypto;
using Pi.Protocol.Messages;
using Spectre.Console;

namespace Pi.App.Commands;

/// <summary>
/// <c>provision</c>: the seed's whole first set-up of a gateway, as the APP does it (docs/protocol.md
/// section 5, cloud-api.md): search, device info, TCP session, the SSID list and the user's pick,
/// the Wi-Fi join, registration at the cloud, a second search on the router's LAN and the hand-over
/// of registrationInfo, binding, and the wait until the cloud shows the gateway online.
/// </summary>
/// <remarks>
/// Binding comes before the online wait: the cloud shows a gateway's view only to its owner
/// (<c>GET /api/gateways/{tid}</c> is <c>not_owner</c> before), and binding needs only the tid and
/// the hash, not the gateway online.
/// </remarks>
internal static class ProvisionCommand
{
    /// <summary>How often the cloud's gateway view is asked while waiting for online (a remote API: no event to await).</summary>
    private static readonly TimeSpan OnlinePollInterval = TimeSpan.FromMilliseconds(500);

    public static Command Create(CliContext io)
    {
        var device = new DeviceOptions();
        var ssid = new Option<string>("--ssid") { Description = "the Wi-Fi network the gateway joins (without it: pick from the gateway's list on a terminal)" };
        var password = new Option<string>("--password") { Description = "the Wi-Fi password (prefer --password-stdin: a command line is visible to other users)" };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "read the Wi-Fi password from the first line of standard input" };
        var lanSearch = new Option<string>("--lan-search") { Description = "where the second search (on the router's network, after the join) goes, ADDR[:PORT]; default: as --search" };
        var verificationCode = new Option<string>("--verification-code")
        {
            Description = "the gateway's verification code, for a cloud that learns devices on first registration (Cloud:Verification=TrustOnFirstRegistration); @path reads it from a file",
        };
        var noInput = new Option<bool>("--no-input") { Description = "never prompt: a missing answer is a usage error (exit 1), a Wi-Fi failure ends the run (exit 12)" };
        var configDir = CloudOptions.ConfigDir();
        var json = CloudOptions.Json();
        var command = new Command("provision", "Provision a gateway: find it on its softAP, give it your Wi-Fi, register it at the cloud, hand it its registration, bind it to you and wait until it is online")
        {
            ssid, password, passwordStdin, lanSearch, verificationCode, noInput, configDir, json,
        };
        foreach (var option in device.All)
        {
            command.Add(option);
        }
        command.SetAction(async (parse, cancellationToken) =>
        {
            var run = new ProvisionRun(io, parse.GetValue(json), parse.GetValue(device.ShowSecrets), parse.GetValue(noInput));
            return await run.RunAsync(async () =>
            {
                var target = await device.ReadTargetAsync(parse, io, cancellationToken).ConfigureAwait(false);
                var code = parse.GetValue(verificationCode) is { } vc
                    ? await Io.InputReader.ReadTextAsync(vc, "verification code", io, cancellationToken).ConfigureAwait(false)
                    : null;
                io.AddSecret(code);
                var fixedSsid = parse.GetValue(ssid);
                var fixedPassword = parse.GetValue(password);
                if (parse.GetValue(passwordStdin))
                {
                    if (fixedPassword is not null)
                    {
                        throw new UsageException("give either --password or --password-stdin, not both");
                    }
                    fixedPassword = io.In.ReadLine() ?? throw new UsageException("--password-stdin: standard input is empty");
                }
                io.AddSecret(fixedPassword);
                if (fixedPassword is not null && fixedSsid is null)
                {
                    throw new UsageException("--password needs --ssid");
                }
                if (fixedSsid is null && !run.Ui.CanPrompt)
                {
                    throw new UsageException("--ssid (with --password or --password-stdin) is required without a terminal to pick the network on"
                        + (parse.GetValue(noInput) ? " (--no-input)" : ""));
                }
                var session = new SessionStore(parse.GetValue(configDir)).Load();
                io.AddSecret(session.Token);
                var options = device.ReadSearchOptions(parse, Convert.FromBase64String(session.Nonce));
                var lan = parse.GetValue(lanSearch) is { } lanText ? DeviceOptions.ParseEndPoint(lanText, "--lan-search") : options.SearchEndPoint;
                var exit = await run.ProvisionAsync(target, options, lan, session, code, fixedSsid, fixedPassword, device.ReadOnlineTimeout(parse), cancellationToken).ConfigureAwait(false);
                run.Remember(new KnownGateways(parse.GetValue(configDir)));
                return exit;
            }).ConfigureAwait(false);
        });
        return command;
    }

    /// <summary>One run of provision: its UI, what it learned so far (for the outcome), and its steps.</summary>
    private sealed class ProvisionRun
    {
        private readonly CliContext _io;
        private readonly bool _json;
        private readonly bool _showSecrets;
        private string? _mac;
        private string? _tid;
        private string? _ssid;
        private string? _ip;
        private string? _wifiPassword;
        private string? _setupCode;
        private RegistrationDto? _registration;

        public ProvisionRun(CliContext io, bool json, bool showSecrets, bool noInput)
        {
            _io = io;
            _json = json;
            _showSecrets = showSecrets;
            Ui = StepUi.Create(io, json, noInput);
        }

        public StepUi Ui { get; }

        /// <summary>Keeps the gateway's LAN address for <c>subdevices add</c> (the broker runs there).</summary>
        public void Remember(KnownGateways known)
        {
            if (_tid is not null && _mac is not null)
            {
                try
                {
                    known.Remember(_tid, new KnownGatewayDto(_mac, _ip));
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    _io.WriteWarning($"the gateway's address was not kept ({ex.Message}); subdevices add will need --broker");
                }
            }
        }

        /// <summary>Runs the body; a failed step becomes its outcome and exit code.</summary>
        public async Task<int> RunAsync(Func<Task<int>> body)
        {
            try
            {
                return await body().ConfigureAwait(false);
            }
            catch (StepFailure failure)
            {
                var reason = _io.Redact(failure.Message);
                var next = _io.Redact(failure.Next);
                if (_json)
                {
                    var output = failure.Outcome == "already_bound"
                        ? new ProvisionOutput("already_bound", failure.Step, reason, next, _tid, _mac, _ssid, _ip, Bound: false, Secrets: Secrets())
                        : new ProvisionOutput("failed", failure.Step, reason, next, _tid, _mac, _ssid, _ip, Secrets: Secrets());
                    _io.Out.WriteLine(JsonSerializer.Serialize(output, AppJson.Default.ProvisionOutput));
                }
                else
                {
                    Ui.Outcome(false, failure.Outcome == "already_bound"
                        ? $"already bound: {_tid ?? _mac} belongs to another user"
                        : $"failed at step {failure.Step}");
                    WriteSecrets();
                }
                _io.WriteError(reason);
                _io.WriteNote("next: " + next);
                return failure.ExitCode;
            }
        }

        public async Task<int> ProvisionAsync(DeviceTarget target, SearchOptions options, System.Net.IPEndPoint lanSearch, SessionFile login, string? verificationCode,
            string? fixedSsid, string? fixedPassword, TimeSpan onlineTimeout, CancellationToken cancellationToken)
        {
            _mac = target.Mac;
            _setupCode = target.SetupCode.ToDisplayString();
            using var client = new ProvisioningClient(target.Mac, ProvisioningSecret.FromSetupCode(target.SetupCode), options);
            using var api = new CloudApi(new Uri(login.Cloud), login.Trust, login.Token, CloudOptions.Timeout);

            // search → device info
            var found = await Step("search", $"searching for {target.Mac} at {options.SearchEndPoint}" + (target.Ssid is null ? "" : $" (its softAP is {target.Ssid})"),
                () => client.SearchAsync(cancellationToken), "gateway").ConfigureAwait(false);
            Ui.Done("search", $"found {found.Info.Mac} at {found.SessionEndPoint}");
            ShowDeviceInfo(found.Info);

            // session → SSID list → pick → join (again on failure, when the user can be asked)
            var session = await Step("session", $"opening the session to {found.SessionEndPoint}", () => client.ConnectAsync(found, cancellationToken), "gateway").ConfigureAwait(false);
            WifiOutcome outcome;
            await using (session.ConfigureAwait(false))
            {
                // The first request opens the session on the gateway's side: a gateway busy with another APP refuses it here.
                var networks = await Step("session", "asking for the networks the gateway sees", () => session.GetSsidListAsync(cancellationToken: cancellationToken), "gateway").ConfigureAwait(false);
                Ui.Done("session", $"session open; the gateway sees {networks.Count} network(s)");
                foreach (var network in networks)
                {
                    Ui.Detail($"{network.Ssid,-32}  {network.Signal.ToString(CultureInfo.InvariantCulture),4} dBm  {Bars(network.Signal)}  {SecurityName(network.Security)}");
                }
                var ssid = fixedSsid;
                var password = fixedPassword;
                while (true)
                {
                    if (ssid is null)
                    {
                        (ssid, password) = await AskAsync(networks, cancellationToken).ConfigureAwait(false);
                    }
                    else if (password is null)
                    {
                        password = await PasswordForAsync(ssid, networks, cancellationToken).ConfigureAwait(false);
                    }
                    _io.AddSecret(password);
                    (_ssid, _wifiPassword) = (ssid, password);
                    var credentials = new WifiCredentials(ssid, new SecretString(password!));
                    try
                    {
                        credentials.Validate();
                    }
                    catch (Pi.Protocol.Errors.ProtocolException ex)
                    {
                        throw new UsageException($"the Wi-Fi name or password cannot be sent: {ex.Message}", ex);
                    }
                    var joining = ssid;
                    outcome = await Step("wifi", $"the gateway joins {joining}", () => session.JoinWifiAsync(credentials, cancellationToken), "gateway").ConfigureAwait(false);
                    if (outcome.Kind != WifiOutcomeKind.Failed)
                    {
                        break;
                    }
                    var reason = WifiReason(outcome.Reason);
                    if (!Ui.CanPrompt)
                    {
                        throw new StepFailure("wifi", Cli.WifiFailure, $"the gateway could not join {joining}: {reason}", WifiNext(outcome.Reason, joining));
                    }
                    Ui.Problem("wifi", $"the gateway could not join {joining}: {reason}; it is back on its softAP: choose the network and enter the password again");
                    (ssid, password) = (null, null);
                }
            }
            _ip = outcome.Ip;
            Ui.Done("wifi", outcome.Kind == WifiOutcomeKind.Joined
                ? $"the gateway joined {_ssid}" + (outcome.Ip is null ? "" : $" ({outcome.Ip})")
                : $"the connection dropped while the gateway joined {_ssid} (a single radio leaves its softAP): looking for it on the router's network next");

            // register at the cloud
            var hash = found.Info.Hash ?? throw new StepFailure("register", Cli.ProtocolError,
                "the gateway's device info has no binding hash although the search carried the login's nonce", "check that the gateway is up to date");
            var body = new RegisterGatewayDto(found.Info.Mac, found.Info.Uuid, found.Info.Sn, hash, verificationCode, found.Info.Product, found.Info.Firmware);
            _registration = await CloudStep("register", $"registering {found.Info.Mac} at {login.Cloud}",
                () => api.SendAsync(HttpMethod.Post, "/api/gateways", body, AppJson.Default.RegisterGatewayDto, AppJson.Default.RegistrationDto, cancellationToken),
                verificationCode is null).ConfigureAwait(false);
            _tid = _registration.Tid;
            _io.AddSecret(_registration.Password);
            _io.AddSecret(_registration.AccessKey);
            _io.AddSecret(_registration.LocalKey);
            Ui.Done("register", $"registered as {_registration.Tid}" + (_registration.Reregistered ? " (registered before: new password and keys)" : ""));

            // second search on the router's LAN → hand-over of registrationInfo
            var registration = new RegistrationInfo(
                _registration.Tid, new SecretString(_registration.Password), SymmetricKey.Parse(_registration.AccessKey), SymmetricKey.Parse(_registration.LocalKey),
                _registration.KeyId, _registration.KeyExpiresAt, _registration.ServiceExpiresAt, _registration.CloudUrl);
            var second = await Step("handover", $"searching for {target.Mac} on the router's network at {lanSearch}", () => client.SearchAsync(lanSearch, cancellationToken), "gateway",
                noAnswerNext: $"the gateway did not answer after joining {_ssid}: check that this computer is on the same network (--lan-search names where to search); "
                    + "if the gateway's LEDs show its softAP again, the join did not hold: run provision again").ConfigureAwait(false);
            _ip ??= second.Info.Ip;
            var handover = await Step("handover", $"handing the registration to {second.SessionEndPoint}", () => client.ConnectAsync(second, cancellationToken), "gateway").ConfigureAwait(false);
            await using (handover.ConfigureAwait(false))
            {
                await Step("handover", "waiting for the gateway's acknowledgement", () => handover.DeliverRegistrationAsync(registration, cancellationToken), "gateway").ConfigureAwait(false);
            }
            Ui.Done("handover", $"the gateway stored its registration ({_registration.Tid}) and logs in to the cloud");

            // bind
            var bindHash = second.Info.Hash ?? hash;
            var tidPath = Uri.EscapeDataString(_registration.Tid);
            try
            {
                var bound = await CloudStep("bind", $"binding {_registration.Tid} to {login.Email}",
                    () => api.SendAsync(HttpMethod.Post, $"/api/gateways/{tidPath}/bind", new BindDto(bindHash), AppJson.Default.BindDto, AppJson.Default.BindResultDto, cancellationToken),
                    false).ConfigureAwait(false);
                Ui.Done("bind", bound.AlreadyOwner ? $"{_registration.Tid} was already yours" : $"{_registration.Tid} is bound to {login.Email}");
            }
            catch (StepFailure failure) when (failure.ExitCode == Cli.Conflict)
            {
                throw new StepFailure("bind", Cli.Conflict, failure.Message,
                    "the gateway is bound to another user: its owner must reset it (hold its reset button while it is online) before you can bind it", failure, "already_bound");
            }

            // online
            var online = false;
            if (onlineTimeout > TimeSpan.Zero)
            {
                online = await CloudStep("online", $"waiting up to {DeviceOptions.Seconds(onlineTimeout)} for {_registration.Tid} to come online",
                    () => WaitOnlineAsync(api, tidPath, onlineTimeout, cancellationToken), false).ConfigureAwait(false);
                if (!online)
                {
                    throw new StepFailure("online", Cli.DeviceError, $"{_registration.Tid} did not come online within {DeviceOptions.Seconds(onlineTimeout)}",
                        "check the gateway's Internet connection and that it can reach and trust the cloud; it is bound to you: `pi-app gateways` shows when it comes online");
                }
                Ui.Done("online", $"{_registration.Tid} is online");
            }

            if (_json)
            {
                _io.Out.WriteLine(JsonSerializer.Serialize(new ProvisionOutput("connected", Tid: _tid, Mac: _mac, Ssid: _ssid, Ip: _ip, Online: online, Bound: true, Secrets: Secrets()), AppJson.Default.ProvisionOutput));
            }
            else
            {
                Ui.Outcome(true, $"connected: {_tid} ({_mac}) on {_ssid}" + (_ip is null ? "" : $" at {_ip}") + (online ? ", online" : "") + ", bound to you");
                WriteSecrets();
            }
            return Cli.Success;
        }

        private Task<T> Step<T>(string step, string doing, Func<Task<T>> work, string device, string? noAnswerNext = null) =>
            DeviceOptions.DeviceStepAsync(Ui, step, doing, work, device, noAnswerNext);

        private async Task<T> CloudStep<T>(string step, string doing, Func<Task<T>> work, bool mayNeedVerificationCode)
        {
            try
            {
                return await Ui.StepAsync(step, doing, work).ConfigureAwait(false);
            }
            catch (CloudException ex)
            {
                var next = ex.ExitCode switch
                {
                    Cli.CloudUnreachable => "this computer must reach the cloud for this step (switch back from the gateway's softAP to your usual network if needed), then run provision again",
                    Cli.NotAuthorized => "log in again (pi-app login) and run provision again",
                    Cli.UsageError when mayNeedVerificationCode && ex.Message.Contains("verificationCode", StringComparison.Ordinal) =>
                        "this cloud learns a device on its first registration: pass --verification-code with the code of the gateway",
                    Cli.NotFound => "the cloud does not know this gateway: its factory records must be imported first (Pi.Cloud import-devices)",
                    _ => "run provision again; if it persists, check the cloud",
                };
                throw new StepFailure(step, ex.ExitCode, ex.Message, next, ex);
            }
        }

        private static async Task<bool> WaitOnlineAsync(CloudApi api, string tidPath, TimeSpan timeout, CancellationToken cancellationToken)
        {
            // A remote API with no push to the APP: ask at a bounded interval until the deadline.
            var deadline = TimeProvider.System.GetTimestamp() + (long)(timeout.TotalSeconds * TimeProvider.System.TimestampFrequency);
            while (true)
            {
                var view = await api.SendAsync(HttpMethod.Get, $"/api/gateways/{tidPath}", AppJson.Default.GatewayDetailDto, cancellationToken).ConfigureAwait(false);
                if (view.Online)
                {
                    return true;
                }
                var left = TimeProvider.System.GetElapsedTime(TimeProvider.System.GetTimestamp(), deadline);
                if (TimeProvider.System.GetTimestamp() >= deadline)
                {
                    return false;
                }
                await Task.Delay(left < OnlinePollInterval ? left : OnlinePollInterval, cancellationToken).ConfigureAwait(false);
            }
        }

        private async Task<(string Ssid, string Password)> AskAsync(IReadOnlyList<SsidEntry> networks, CancellationToken cancellationToken)
        {
            const string other = "\u0001other";
            var prompt = new SelectionPrompt<string>()
                .Title("Which network should the gateway join?")
                .PageSize(12)
                .AddChoices(networks.Select(n => n.Ssid).Append(other))
                .UseConverter(name => name == other
                    ? "(another network: type its name)"
                    : Markup.Escape(Describe(networks.First(n => n.Ssid == name))));
            var ssid = await Ui.Console.PromptAsync(prompt, cancellationToken).ConfigureAwait(false);
            if (ssid == other)
            {
                ssid = await Ui.Console.PromptAsync(new TextPrompt<string>("Network name (SSID):"), cancellationToken).ConfigureAwait(false);
            }
            Ui.Detail($"network: {ssid}");
            return (ssid, await PasswordForAsync(ssid, networks, cancellationToken).ConfigureAwait(false));
        }

        private async Task<string> PasswordForAsync(string ssid, IReadOnlyList<SsidEntry> networks, CancellationToken cancellationToken)
        {
            var network = networks.FirstOrDefault(n => n.Ssid == ssid);
            if (network?.Security == WifiSecurity.Open)
            {
                return string.Empty;
            }
            if (!Ui.CanPrompt)
            {
                throw new UsageException($"{ssid} needs a password: give --password or --password-stdin");
            }
            return await Ui.Console.PromptAsync(new TextPrompt<string>($"Wi-Fi password for {Markup.Escape(ssid)}:").Secret().AllowEmpty(), cancellationToken).ConfigureAwait(false);
        }

        private void ShowDeviceInfo(DeviceInfo info)
        {
            Ui.Detail($"mac       {info.Mac}");
            Ui.Detail($"sn        {info.Sn}");
            Ui.Detail($"uuid      {info.Uuid}");
            if (info.Product is not null)
            {
                Ui.Detail($"product   {info.Product}" + (info.Firmware is null ? "" : $" {info.Firmware}"));
            }
            Ui.Detail($"address   {info.Ip}:{info.TcpPort.ToString(CultureInfo.InvariantCulture)}");
            Ui.Detail($"joined    {(info.Joined ? "yes (on a router)" : "no (softAP)")}");
            Ui.Detail($"reset     {(info.ResetFlag ? "yes (new or factory-reset)" : "no")}");
        }

        private ProvisionSecretsOutput? Secrets() => _showSecrets
            ? new ProvisionSecretsOutput(_setupCode, _wifiPassword, _registration?.Password, _registration?.AccessKey, _registration?.LocalKey, _registration?.KeyId)
            : null;

        private void WriteSecrets()
        {
            if (!_showSecrets)
            {
                return;
            }
            Ui.Secret($"setup code     {_setupCode}");
            if (_wifiPassword is not null)
            {
                Ui.Secret($"Wi-Fi password {_wifiPassword}");
            }
            if (_registration is { } r)
            {
                Ui.Secret($"tid            {r.Tid}");
                Ui.Secret($"password       {r.Password}");
                Ui.Secret($"accessKey      {r.AccessKey}");
                Ui.Secret($"localKey       {r.LocalKey}");
                Ui.Secret($"keyId          {r.KeyId.ToString(CultureInfo.InvariantCulture)}");
            }
        }

        private static string Describe(SsidEntry network) =>
            $"{network.Ssid}  {network.Signal.ToString(CultureInfo.InvariantCulture)} dBm {Bars(network.Signal)}  {SecurityName(network.Security)}";
    }

    /// <summary>Signal strength as four bars (-50 dBm and better: all four).</summary>
    public static string Bars(int dbm)
    {
        var bars = dbm >= -50 ? 4 : dbm >= -60 ? 3 : dbm >= -70 ? 2 : dbm >= -80 ? 1 : 0;
        return new string('▮', bars) + new string('▯', 4 - bars);
    }

    public static string SecurityName(WifiSecurity security) => JsonSerializer.Serialize(security, Pi.Protocol.Messages.ProtocolJsonContext.Default.WifiSecurity).Trim('"');

    public static string WifiReason(WifiFailure? reason) => reason switch
    {
        WifiFailure.WrongPassword => "wrong_password (the router refused the password)",
        WifiFailure.NetworkNotFound => "network_not_found (the gateway cannot see that network)",
        WifiFailure.Timeout => "timeout (the join did not finish in time)",
        WifiFailure.NoIpAddress => "no_ip_address (the router gave it no address)",
        WifiFailure.UnsupportedSecurity => "unsupported_security (the gateway cannot join this kind of network)",
        WifiFailure.RadioError => "radio_error (the gateway's radio failed)",
        _ => "unknown",
    };

    public static string WifiNext(WifiFailure? reason, string ssid) => reason switch
    {
        WifiFailure.WrongPassword => $"check the password of {ssid} and run provision again",
        WifiFailure.NetworkNotFound => $"check the name {ssid} and that the router is in range of the gateway, then run provision again",
        WifiFailure.Timeout or WifiFailure.NoIpAddress => "move the gateway closer to the router or check the router's DHCP, then run provision again",
        WifiFailure.UnsupportedSecurity => "choose a WPA2 or WPA3 personal network, then run provision again",
        _ => "restart the gateway and run provision again",
    };
}
