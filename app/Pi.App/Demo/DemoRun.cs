using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Pi.Cloud.Sessions;
using Pi.Gateway.Core;

namespace Pi.App.Demo;

/// <summary>
/// One run of <c>pi-app demo</c>: hosts the cloud, a gateway with simulated hardware and emulated
/// sub-devices on loopback in a data directory, plays the user with the app's own commands, shows
/// telemetry and a command round trip, prints the summary, and stops and removes everything.
/// </summary>
internal sealed class DemoRun
{
    private const string RouterSsid = "HomeRouter";

    private readonly DemoSettings _settings;
    private readonly CliContext _io;
    private readonly DemoConsole _console;
    private readonly List<DemoSubDevice> _subDevices = [];
    private readonly ConcurrentDictionary<string, TaskCompletionSource<Telemetry>> _telemetry = new(StringComparer.Ordinal);
    private DemoCloud? _cloud;
    private Microsoft.Extensions.Logging.ILoggerFactory? _subDeviceLogs;
    private DemoGateway? _gateway;
    private string? _tid;
    private DemoCommandReply? _reply;
    private IReadOnlyList<DemoSubDeviceSummary> _final = [];

    /// <summary>The steps a run goes through, for the summary's "not run" rows after a failure.</summary>
    private static readonly (string Step, string What)[] Planned =
    [
        ("cloud", "the cloud host"), ("gateway", "the gateway service"), ("label", "read the gateway's label"),
        ("sub-devices", "emulated sub-devices"), ("signup", "create the account"), ("login", "log in"),
        ("provision", "provision, register and bind the gateway"), ("subdevices add", "add the sub-devices"),
        ("telemetry", "sensor readings at the cloud"), ("command", "a command round trip"), ("gateways", "the cloud's view"),
    ];

    public DemoRun(DemoSettings settings, CliContext io, DemoConsole console)
    {
        _settings = settings;
        _io = io;
        _console = console;
    }

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var total = Stopwatch.GetTimestamp();
        var (dataDirectory, created) = PrepareDataDirectory();
        var logs = new DemoLogSink(_io, _settings.Verbose);
        DemoStepException? failure = null;
        var stoppedByUser = false;
        _console.Title("Pi Gateway demo", $"cloud, gateway and {_settings.SubDevices} sub-device(s) on this machine, on loopback, in {dataDirectory}");
        try
        {
            await PlayAsync(dataDirectory, logs, cancellationToken).ConfigureAwait(false);
            if (_settings.Watch)
            {
                await WatchAsync(cancellationToken).ConfigureAwait(false);
                stoppedByUser = true;
            }
        }
        catch (DemoStepException ex)
        {
            failure = ex;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            stoppedByUser = true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Anything unforeseen still ends with everything stopped and removed, naming the step.
            var step = _console.Steps.LastOrDefault(s => s.Outcome == "FAILED")?.Step ?? "demo";
            failure = new DemoStepException(step, $"{ex.GetType().Name}: {ex.Message}", DemoCommand.PartFailed, ex);
        }
        finally
        {
            logs.Stopping = true;
            try
            {
                await StopAsync().ConfigureAwait(false);
            }
            catch (DemoStepException ex)
            {
                failure ??= ex;
            }
        }

        foreach (var (step, what) in Planned)
        {
            if (!_console.Steps.Any(s => s.Step == step))
            {
                _console.Skipped(step, what);
            }
        }
        var kept = _settings.Keep;
        if (!kept)
        {
            RemoveDataDirectory(dataDirectory, created);
        }
        var totalMs = (long)Stopwatch.GetElapsedTime(total).TotalMilliseconds;
        var finishedAll = failure is null && (!stoppedByUser || _settings.Watch) && _reply is not null;
        var exit = failure?.ExitCode ?? (finishedAll ? Cli.Success : DemoCommand.Interrupted);
        var summary = new DemoSummary(
            failure is null ? (finishedAll ? "ok" : "interrupted") : "failed", exit, failure?.Step, failure is null ? null : _io.Redact(failure.Message),
            dataDirectory, kept, _cloud?.Url.ToString(), _tid, _final, _reply, _console.Steps, totalMs);
        PrintSummary(summary);
        return exit;
    }

    private async Task PlayAsync(string dataDirectory, DemoLogSink logs, CancellationToken cancellationToken)
    {
        var timeout = _settings.StepTimeout;
        var answerPort = DemoPorts.FreeUdp();
        var app = new DemoApp(Path.Combine(dataDirectory, "app"), _io, _settings.ShowSecrets);
        app.Typing += _console.Typed;
        app.Ran += run => _console.Detail(run.Stdout + (run.ExitCode == Cli.Success ? "" : run.Stderr));
        var provisioning = new CommandProvisioning(app);
        var routerPassword = "router-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var typedWifiPassword = _settings.WifiPassword ?? routerPassword;
        var email = $"demo-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}@pi-gateway.example";
        var accountPassword = Convert.ToBase64String(RandomNumberGenerator.GetBytes(15));
        _io.AddSecret(routerPassword);
        _io.AddSecret(typedWifiPassword);
        _io.AddSecret(accountPassword);

        _cloud = await _console.StepAsync("cloud", "cloud host: HTTPS + MQTT over TLS, SQLite", async step =>
        {
            try
            {
                var cloud = await DemoCloud.StartAsync(Path.Combine(dataDirectory, "cloud"), _settings.CloudPort, logs, cancellationToken).ConfigureAwait(false);
                step.Where = cloud.Url.ToString().TrimEnd('/');
                step.Detail($"certificate SHA-256 {cloud.Fingerprint}; gateways connect to {cloud.MqttUrl}");
                cloud.Presence.TelemetryReceived += (_, telemetry) => TelemetryFor(telemetry.Did).TrySetResult(telemetry);
                return cloud;
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or Microsoft.Extensions.Options.OptionsValidationException)
            {
                throw new DemoStepException("cloud", $"the cloud did not start on 127.0.0.1:{_settings.CloudPort}: {ex.Message}", DemoCommand.PartFailed, ex);
            }
        }).ConfigureAwait(false);
        var cloud = _cloud;

        _gateway = await _console.StepAsync("gateway", "gateway service: simulated Wi-Fi and GPIO", async step =>
        {
            try
            {
                var gateway = await DemoGateway.StartAsync(Path.Combine(dataDirectory, "gateway"), cloud.Fingerprint, answerPort, RouterSsid, routerPassword, logs, timeout, cancellationToken).ConfigureAwait(false);
                step.Where = $"udp/{gateway.SearchEndPoint}";
                step.Detail($"unprovisioned, softAP up; GPIO socket {gateway.GpioSocketPath}; sub-device broker mqtt://{gateway.BridgeEndPoint}");
                step.Detail(app.Show($"its Wi-Fi world: {RouterSsid} (password {routerPassword}), Neighbour, Cafe"));
                return gateway;
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or TimeoutException or System.Net.Sockets.SocketException or Microsoft.Extensions.Options.OptionsValidationException)
            {
                throw new DemoStepException("gateway", $"the gateway did not start: {ex.Message}", DemoCommand.PartFailed, ex);
            }
        }).ConfigureAwait(false);
        var gateway = _gateway;

        var label = await _console.StepAsync("label", "read the gateway's QR label", async step =>
        {
            var (payload, identity) = await gateway.ReadLabelAsync(cancellationToken).ConfigureAwait(false);
            var code = payload.SetupCode.ToDisplayString();
            _io.AddSecret(code);
            _io.AddSecret(payload.SetupCode.ToCanonicalString());
            _io.AddSecret(payload.ToText());
            _io.AddSecret(identity.VerificationCode.Reveal());
            // The factory made this gateway and told the cloud (as Pi.Cloud import-devices does).
            await cloud.ImportFactoryRecordAsync(identity.Mac, identity.Uuid, identity.Sn, identity.VerificationCode.Reveal(), cancellationToken).ConfigureAwait(false);
            step.Where = payload.Ssid;
            step.Detail(app.Show($"MAC {payload.Mac}, setup code {code}, softAP {payload.Ssid}"));
            return payload;
        }).ConfigureAwait(false);

        _subDeviceLogs = logs.Factory("sub-device");
        await _console.StepAsync("sub-devices", $"{_settings.SubDevices} emulated, waiting to be onboarded", async step =>
        {
            for (var i = 0; i < _settings.SubDevices; i++)
            {
                var isSwitch = i == _settings.SubDevices - 1;
                var name = isSwitch ? "switch-1" : $"sensor-{i + 1}";
                DemoSubDevice device;
                try
                {
                    device = await DemoSubDevice.StartAsync(name, isSwitch ? "switch" : "sensor", Path.Combine(dataDirectory, "subdevices", name), answerPort,
                        _subDeviceLogs, (did, ct) => gateway.WaitUntilAdmittedAsync(did, timeout, ct), cancellationToken).ConfigureAwait(false);
                }
                catch (System.Net.Sockets.SocketException ex)
                {
                    throw new DemoStepException("sub-devices", $"{name} could not open its onboarding ports: {ex.SocketErrorCode}", DemoCommand.PartFailed, ex);
                }
                _subDevices.Add(device);
                _io.AddSecret(device.SetupCode.ToDisplayString());
                _io.AddSecret(device.SetupCode.ToCanonicalString());
                step.Detail(app.Show($"{name}: MAC {device.Mac}, setup code {device.SetupCode.ToDisplayString()}, udp/{device.SearchEndPoint}"));
            }
            step.Where = "127.0.0.1";
            return true;
        }).ConfigureAwait(false);

        var cloudUrl = cloud.Url.ToString().TrimEnd('/');
        await _console.StepAsync("signup", $"account {email}", async step =>
        {
            step.Where = cloudUrl;
            step.Detail(app.Show($"password {accountPassword}"));
            return await app.RunAsync("signup", ["signup", "--cloud", cloudUrl, "--email", email, "--trust", cloud.Fingerprint], accountPassword, cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false);
        await _console.StepAsync("login", "log in, trusting the dev certificate", async step =>
        {
            step.Where = cloudUrl;
            return await app.RunAsync("login", ["login", "--cloud", cloudUrl, "--email", email, "--trust", cloud.Fingerprint], accountPassword, cancellationToken).ConfigureAwait(false);
        }).ConfigureAwait(false);

        var provisioned = await _console.StepAsync("provision", $"onto {RouterSsid}, register, bind", async step =>
        {
            step.Where = $"udp/{gateway.SearchEndPoint}";
            var result = await provisioning.ProvisionAsync(
                new DemoProvisionRequest(label.Mac, label.SetupCode.ToDisplayString(), RouterSsid, typedWifiPassword, gateway.SearchEndPoint, answerPort), cancellationToken).ConfigureAwait(false);
            step.Detail($"{result.Tid}: joined {RouterSsid} ({result.Ip ?? "no address reported"}), online, {(result.Bound ? "bound to " + email : "NOT bound")}");
            return result;
        }).ConfigureAwait(false);
        _tid = provisioned.Tid;
        try
        {
            await gateway.WaitForAsync(GatewayState.Online, timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            throw new DemoStepException("provision", ex.Message, DemoCommand.PartFailed, ex);
        }

        var broker = $"mqtt://{gateway.BridgeEndPoint}";
        foreach (var device in _subDevices)
        {
            await _console.StepAsync("subdevices add", $"{device.Name} ({device.Kind})", async step =>
            {
                step.Where = $"udp/{device.SearchEndPoint}";
                var added = await provisioning.AddSubDeviceAsync(
                    new DemoAddRequest(provisioned.Tid, device.Name, device.Kind, device.Mac, device.SetupCode.ToDisplayString(), device.SearchEndPoint, answerPort, broker), cancellationToken).ConfigureAwait(false);
                await Bounded("subdevices add", device.Onboarded, $"{device.Name} was not onboarded", cancellationToken).ConfigureAwait(false);
                await Bounded("subdevices add", device.Linked, $"{device.Name} did not link to the gateway's broker", cancellationToken).ConfigureAwait(false);
                step.Detail($"{device.Name} is {added.Did}, linked to {broker}");
                return added;
            }).ConfigureAwait(false);
        }

        var sensors = _subDevices.Where(d => d.Kind == "sensor").ToList();
        await _console.StepAsync("telemetry", $"first readings of {sensors.Count} sensor(s)", async step =>
        {
            step.Where = "sensors -> gateway -> cloud";
            foreach (var sensor in sensors)
            {
                var reading = await Bounded("telemetry", TelemetryFor(sensor.Did!).Task, $"no telemetry from {sensor.Name} ({sensor.Did}) reached the cloud", cancellationToken).ConfigureAwait(false);
                step.Detail($"{sensor.Name} ({sensor.Did}): {reading.Payload?.GetRawText() ?? "{}"}");
            }
            return true;
        }).ConfigureAwait(false);

        var @switch = _subDevices.LastOrDefault(d => d.Kind == "switch");
        if (@switch is not null)
        {
            _reply = await _console.StepAsync("command", $"switch.set on {@switch.Name}", async step =>
            {
                step.Where = "cloud -> gateway -> switch";
                var stateReported = TelemetryFor(@switch.Did!);
                var run = await app.RunAsync("command", ["send", provisioned.Tid, "switch.set", "--did", @switch.Did!, "--args", "{\"on\":true}", "--json"], null, cancellationToken).ConfigureAwait(false);
                var reply = JsonSerializer.Deserialize(run.Stdout, DemoJson.Default.DemoCommandReply)
                    ?? throw new DemoStepException("command", "send printed no reply", DemoCommand.PartFailed);
                if (!reply.Ok || @switch.Switch?.IsOn != true)
                {
                    throw new DemoStepException("command", $"the switch did not switch on: {reply.ErrorCode} {reply.ErrorMessage}", Cli.DeviceError);
                }
                var reported = await Bounded("command", stateReported.Task, $"{@switch.Name} did not report its new state", cancellationToken).ConfigureAwait(false);
                step.Detail($"reply {reply.Result?.GetRawText() ?? "ok"}; the switch reported {reported.Payload?.GetRawText()}");
                return reply;
            }).ConfigureAwait(false);
        }

        _final = await _console.StepAsync("gateways", "the cloud's view of the sub-devices", async step =>
        {
            step.Where = cloudUrl;
            var run = await app.RunAsync("gateways", ["gateways", "--json"], null, cancellationToken, echo: false).ConfigureAwait(false);
            var views = JsonSerializer.Deserialize(run.Stdout, DemoJson.Default.ListDemoGatewayView) ?? [];
            var view = views.FirstOrDefault(v => v.Tid == provisioned.Tid)
                ?? throw new DemoStepException("gateways", $"{provisioned.Tid} is not in the user's gateways", DemoCommand.PartFailed);
            var rows = _subDevices.Select(d =>
            {
                var seen = view.SubDevices?.FirstOrDefault(s => s.Did == d.Did);
                return new DemoSubDeviceSummary(d.Name, d.Kind, d.Did, seen?.Online ?? false, seen?.LastTelemetry);
            }).ToList();
            var missing = rows.Where(r => r.LastTelemetry is null).Select(r => r.Name).ToList();
            if (missing.Count > 0)
            {
                throw new DemoStepException("gateways", $"the cloud holds no telemetry of {string.Join(", ", missing)}", DemoCommand.PartFailed);
            }
            return (IReadOnlyList<DemoSubDeviceSummary>)rows;
        }).ConfigureAwait(false);
        _console.Table($"{provisioned.Tid}: online, bound, {_final.Count} sub-device(s)", ["sub-device", "did", "kind", "online", "last telemetry"],
            [.. _final.Select(s => (IReadOnlyList<string>)[s.Name, s.Did ?? "-", s.Kind, s.Online ? "yes" : "no", s.LastTelemetry?.GetRawText() ?? "-"])]);
    }

    /// <summary>--watch: every reading the cloud receives, until Ctrl+C (or the caller's cancellation).</summary>
    private async Task WatchAsync(CancellationToken cancellationToken)
    {
        var names = _subDevices.Where(d => d.Did is not null).ToDictionary(d => d.Did!, d => d.Name, StringComparer.Ordinal);
        _console.Line();
        _console.Line("watching: live telemetry as the cloud receives it (Ctrl+C to stop)");
        void Print(string tid, Telemetry telemetry) =>
            _console.Line($"  {telemetry.ReceivedAt.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture)}  {names.GetValueOrDefault(telemetry.Did, telemetry.Did),-10} {telemetry.Did}  {telemetry.Payload?.GetRawText()}");
        _cloud!.Presence.TelemetryReceived += Print;
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C: a clean stop follows.
        }
        finally
        {
            _cloud.Presence.TelemetryReceived -= Print;
        }
    }

    /// <summary>Stops everything that was started, last first: sub-devices, gateway (logs out), cloud.</summary>
    private async Task StopAsync()
    {
        await _console.StepAsync("stop", "sub-devices, gateway, cloud", async step =>
        {
            var problems = new List<string>();
            foreach (var device in _subDevices)
            {
                await StopPartAsync(device.Name, device.DisposeAsync, problems).ConfigureAwait(false);
            }
            if (_gateway is not null)
            {
                await StopPartAsync("gateway", _gateway.DisposeAsync, problems).ConfigureAwait(false);
            }
            if (_cloud is not null)
            {
                await StopPartAsync("cloud", _cloud.DisposeAsync, problems).ConfigureAwait(false);
            }
            _subDeviceLogs?.Dispose();
            if (problems.Count > 0)
            {
                // Everything else was still stopped; the summary shows the stop as failed.
                throw new DemoStepException("stop", string.Join("; ", problems), DemoCommand.PartFailed);
            }
            return true;
        }).ConfigureAwait(false);
    }

    private static async Task StopPartAsync(string name, Func<ValueTask> stop, List<string> problems)
    {
        try
        {
            await stop().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            problems.Add($"{name} did not stop cleanly: {ex.GetType().Name}: {ex.Message}");
        }
    }

    private async Task<T> Bounded<T>(string step, Task<T> task, string failure, CancellationToken cancellationToken)
    {
        try
        {
            return await task.WaitAsync(_settings.StepTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            throw new DemoStepException(step, $"{failure} within {_settings.StepTimeout.TotalSeconds:0} s", DemoCommand.PartFailed, ex);
        }
    }

    private async Task Bounded(string step, Task task, string failure, CancellationToken cancellationToken) =>
        await Bounded(step, task.ContinueWith(t => { t.GetAwaiter().GetResult(); return true; }, TaskScheduler.Default), failure, cancellationToken).ConfigureAwait(false);

    private TaskCompletionSource<Telemetry> TelemetryFor(string did) =>
        _telemetry.GetOrAdd(did, _ => new TaskCompletionSource<Telemetry>(TaskCreationOptions.RunContinuationsAsynchronously));

    private (string Path, bool Created) PrepareDataDirectory()
    {
        if (_settings.DataDirectory is null)
        {
            return (Directory.CreateTempSubdirectory("pi-demo-").FullName, true);
        }
        var path = Path.GetFullPath(_settings.DataDirectory);
        if (Directory.Exists(path))
        {
            if (Directory.EnumerateFileSystemEntries(path).Any())
            {
                throw new UsageException($"--data-dir {path} is not empty: give a new or empty directory");
            }
            return (path, false);
        }
        Directory.CreateDirectory(path);
        return (path, true);
    }

    private static void RemoveDataDirectory(string path, bool created)
    {
        try
        {
            if (created)
            {
                Directory.Delete(path, recursive: true);
                return;
            }
            foreach (var entry in new DirectoryInfo(path).EnumerateFileSystemInfos())
            {
                if (entry is DirectoryInfo directory)
                {
                    directory.Delete(recursive: true);
                }
                else
                {
                    entry.Delete();
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Reported by the summary (the directory is still there).
        }
    }

    private void PrintSummary(DemoSummary summary)
    {
        if (summary.Outcome == "failed")
        {
            _io.WriteError($"demo failed at step '{summary.FailedStep}': {summary.Reason}");
        }
        if (_settings.Json)
        {
            _io.Out.WriteLine(JsonSerializer.Serialize(summary, DemoJson.Default.DemoSummary));
            return;
        }
        _console.Line();
        _console.Table("Summary", ["step", "what", "where", "time", "outcome"],
            [.. summary.Steps.Select(s => (IReadOnlyList<string>)[s.Step, s.What, s.Where, s.Outcome == "not run" ? "-" : DemoConsole.Seconds(s.Ms), s.Outcome])]);
        var where = summary.Kept ? $"data kept in {summary.DataDirectory}" : Directory.Exists(summary.DataDirectory) && !IsEmpty(summary.DataDirectory) ? $"could not remove {summary.DataDirectory}" : $"{summary.DataDirectory} removed";
        switch (summary.Outcome)
        {
            case "ok":
                _console.Outcome("ok", $"demo finished in {DemoConsole.Seconds(summary.TotalMs)}: gateway {summary.Tid} online and bound, {summary.SubDevices.Count} sub-device(s) reporting, command answered; everything stopped, {where}");
                break;
            case "failed":
                _console.Outcome("FAILED", $"demo failed at step '{summary.FailedStep}' (exit {summary.ExitCode}): {summary.Reason}; everything stopped, {where}");
                break;
            default:
                _console.Outcome("stopped", $"demo interrupted after {DemoConsole.Seconds(summary.TotalMs)}; everything stopped, {where}");
                break;
        }
    }

    private static bool IsEmpty(string path) => !Directory.EnumerateFileSystemEntries(path).Any();
}
