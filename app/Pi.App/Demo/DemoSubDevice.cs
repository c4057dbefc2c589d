using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Pi.Protocol.Crypto;
using Pi.Protocol.Messages;
using Pi.SubDevice.Client;
using Pi.SubDevice.Emulation;
using Pi.SubDevice.Onboarding;

namespace Pi.App.Demo;

/// <summary>
/// One emulated sub-device (subdevice/Pi.SubDevice), as <c>Pi.SubDevice onboard</c> runs it: fresh
/// from the factory with a label (MAC and setup code), it answers the APP's onboarding on its own
/// loopback ports (searchDevice on UDP port1, deviceInfo to the APP's answer port, the session on
/// TCP port3), stores the delivered subDeviceInfo in its credentials file (0600), then runs as a
/// sensor (telemetry every <see cref="SensorInterval"/>) or a switch (<c>switch.set</c>/<c>switch.get</c>)
/// linked to the gateway's bridge. Each device has its own ports, so several wait side by side in
/// one process.
/// </summary>
internal sealed class DemoSubDevice : IAsyncDisposable
{
    /// <summary>How often a demo sensor reports (the emulator's default is 10 s; a demo wants it livelier).</summary>
    public static readonly TimeSpan SensorInterval = TimeSpan.FromSeconds(2);

    private readonly ILogger _logger;
    private readonly Func<string, CancellationToken, Task> _beforeConnect;
    private readonly CancellationTokenSource _stopping = new();
    private readonly string _credentials;
    private readonly TaskCompletionSource<SubDeviceInfo> _running = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _linked = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _lock = new();
    private OnboardingResponder? _responder;
    private SubDeviceClient? _client;
    private SensorEmulator? _sensor;
    private bool _disposed;

    private DemoSubDevice(string name, string kind, string mac, SetupCode setupCode, string credentials, ILogger logger, Func<string, CancellationToken, Task> beforeConnect)
    {
        _beforeConnect = beforeConnect;
        Name = name;
        Kind = kind;
        Mac = mac;
        SetupCode = setupCode;
        _credentials = credentials;
        _logger = logger;
    }

    public string Name { get; }

    /// <summary><c>sensor</c> or <c>switch</c>.</summary>
    public string Kind { get; }

    /// <summary>The MAC on its label (upper case).</summary>
    public string Mac { get; }

    /// <summary>The setup code on its label (a secret).</summary>
    public SetupCode SetupCode { get; }

    /// <summary>Where it answers searchDevice.</summary>
    public IPEndPoint SearchEndPoint { get; private set; } = new(IPAddress.Loopback, 0);

    /// <summary>Its did once onboarded.</summary>
    public string? Did => _running.Task.IsCompletedSuccessfully ? _running.Task.Result.Did : null;

    /// <summary>Completes when the APP delivered its subDeviceInfo and the emulator started.</summary>
    public Task<SubDeviceInfo> Onboarded => _running.Task;

    /// <summary>Completes on the first link with the gateway's bridge.</summary>
    public Task Linked => _linked.Task;

    public bool IsLinked => _client?.IsLinked ?? false;

    /// <summary>A switch's state, or null for a sensor.</summary>
    public SwitchEmulator? Switch { get; private set; }

    /// <summary>Makes the device (label, credentials path) and opens its onboarding ports.</summary>
    /// <param name="beforeConnect">Awaited with the did before the first connect (errors and timeouts are ignored: the client retries anyway).</param>
    public static async Task<DemoSubDevice> StartAsync(string name, string kind, string directory, int appAnswerPort, ILoggerFactory loggers, Func<string, CancellationToken, Task> beforeConnect, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var mac = "02:5D:" + string.Join(':', RandomNumberGenerator.GetBytes(4).Select(b => b.ToString("X2", CultureInfo.InvariantCulture)));
        var device = new DemoSubDevice(name, kind, mac, SetupCode.Generate(), Path.Combine(directory, "creds.json"), loggers.CreateLogger("Pi.SubDevice." + name), beforeConnect);
        // The ports are announced in deviceInfo, so they must be known before listening: pick free
        // ones and try again if another program took one in between.
        for (var attempt = 1; ; attempt++)
        {
            var searchPort = DemoPorts.FreeUdp();
            var sessionPort = DemoPorts.FreeTcp();
            var responder = new OnboardingResponder(
                new OnboardingOptions(mac, device.SetupCode, IPAddress.Loopback, searchPort, appAnswerPort, sessionPort),
                (info, ct) => CredentialsFile.StoreAsync(device._credentials, info, ct));
            try
            {
                await responder.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (SocketException) when (attempt < 5)
            {
                await responder.DisposeAsync().ConfigureAwait(false);
                continue;
            }
            catch
            {
                await responder.DisposeAsync().ConfigureAwait(false);
                throw;
            }
            device._responder = responder;
            device.SearchEndPoint = new IPEndPoint(IPAddress.Loopback, searchPort);
            responder.Refused += (_, refusal) => DemoSubDeviceLog.Refused(device._logger, refusal.Stage, refusal.Code.ToString());
            _ = device.RunWhenOnboardedAsync(responder);
            return device;
        }
    }

    private async Task RunWhenOnboardedAsync(OnboardingResponder responder)
    {
        try
        {
            var info = await responder.Onboarded.ConfigureAwait(false);
            lock (_lock)
            {
                if (_disposed)
                {
                    return;
                }
                _responder = null;
            }
            // Onboarded: the ports close, and the device runs as what the APP registered it as.
            await responder.DisposeAsync().ConfigureAwait(false);
            var options = new SubDeviceClientOptions(info.Did, info.LocalKey, BrokerEndpoint.Parse(info.Broker, info.BrokerFingerprint))
            {
                // The APP opens the pairing window right after delivering: a device that knocks
                // before it opens is refused; it tries again soon rather than in 5 minutes.
                RefusedRetryDelay = TimeSpan.FromSeconds(1),
                InitialReconnectDelay = TimeSpan.FromMilliseconds(250),
                MaxReconnectDelay = TimeSpan.FromSeconds(2),
            };
            var client = new SubDeviceClient(options, TimeProvider.System, _logger);
            client.Linked += (_, _) => _linked.TrySetResult();
            SensorEmulator? sensor = null;
            if (string.Equals(info.Kind ?? Kind, "switch", StringComparison.Ordinal))
            {
                Switch = new SwitchEmulator(client);
            }
            else
            {
                sensor = new SensorEmulator(client, TimeProvider.System, SensorInterval, firstAfter: TimeSpan.FromMilliseconds(200));
            }
            lock (_lock)
            {
                if (_disposed)
                {
                    _ = client.DisposeAsync().AsTask();
                    return;
                }
                _client = client;
                _sensor = sensor;
            }
            try
            {
                await _beforeConnect(info.Did, _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!_stopping.IsCancellationRequested)
            {
                // Not admitted in time: connect anyway; a refusal is retried.
            }
            await client.StartAsync(_stopping.Token).ConfigureAwait(false);
            sensor?.Start();
            _running.TrySetResult(info);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _running.TrySetException(ex);
        }
    }

    /// <summary>Stops the emulator cleanly (retained offline, disconnect) or closes the onboarding ports.</summary>
    public async ValueTask DisposeAsync()
    {
        SubDeviceClient? client;
        SensorEmulator? sensor;
        OnboardingResponder? responder;
        await _stopping.CancelAsync().ConfigureAwait(false);
        lock (_lock)
        {
            _disposed = true;
            client = _client;
            sensor = _sensor;
            responder = _responder;
            _responder = null;
        }
        if (sensor is not null)
        {
            await sensor.DisposeAsync().ConfigureAwait(false);
        }
        if (client is not null)
        {
            await client.DisposeAsync().ConfigureAwait(false);
        }
        if (responder is not null)
        {
            await responder.DisposeAsync().ConfigureAwait(false);
        }
        _running.TrySetCanceled();
        _stopping.Dispose();
    }
}

internal static partial class DemoSubDeviceLog
{
    [LoggerMessage(EventId = 5901, Level = LogLevel.Warning, Message = "onboarding refused a {Stage}: {Code}")]
    public static partial void Refused(ILogger logger, string stage, string code);
}
