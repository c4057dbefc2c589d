using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Pi.Cloud.Http;
using Pi.Cloud.Testing;
using Pi.Gateway.Cloud;
using Pi.Gateway.State;
using Pi.Protocol.Crypto;

namespace Pi.App.Tests;

/// <summary>
/// A registered gateway that is online: the gateway's real cloud client (it answers <c>ping</c>
/// with true and any other command with <c>unknown_command</c>), its state in memory.
/// </summary>
internal sealed class OnlineGateway : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly CloudClient _client;

    private OnlineGateway(CloudHost host, RegisterGatewayResponse registration)
    {
        var options = new CloudClientOptions { HeartbeatInterval = TimeSpan.FromMinutes(10) };
        options.TrustedCertificateSha256.Add(Convert.ToHexString(host.CertificateHash!));
        var trust = new CloudTrust(options.TrustedCertificateSha256);
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, errors) => trust.Validate(cert, errors);
        _http = new HttpClient(handler);
        var store = new MemoryStore
        {
            Registration = new GatewayRegistration(
                registration.Tid,
                new SecretString(registration.Password),
                SymmetricKey.Parse(registration.AccessKey),
                SymmetricKey.Parse(registration.LocalKey),
                registration.KeyId,
                registration.KeyExpiresAt,
                registration.ServiceExpiresAt,
                registration.CloudUrl!,
                DateTimeOffset.UtcNow),
        };
        _client = new CloudClient(store, new CloudLoginClient(_http), trust, Options.Create(options), new GatewayRequestHandler(), TimeProvider.System, NullLogger<CloudClient>.Instance);
    }

    /// <summary>Logs the gateway in and opens its session channel.</summary>
    public static async Task<OnlineGateway> StartAsync(CloudHost host, RegisterGatewayResponse registration)
    {
        var gateway = new OnlineGateway(host, registration);
        try
        {
            var attempt = await gateway._client.LogInAsync(default);
            Assert.True(attempt.Succeeded, attempt.Detail);
            var (connected, _, detail) = await gateway._client.ConnectAsync(default);
            Assert.True(connected, detail);
            return gateway;
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _client.DisposeAsync();
        _http.Dispose();
    }

    private sealed class MemoryStore : IGatewayStateStore
    {
        private readonly Lock _gate = new();
        private GatewayRegistration? _registration;
        private IReadOnlyList<SubDeviceCredentials> _subDevices = [];
        private bool _resetFlag;

        public GatewayRegistration? Registration
        {
            get
            {
                lock (_gate)
                {
                    return _registration;
                }
            }
            set
            {
                lock (_gate)
                {
                    _registration = value;
                }
            }
        }

        public Task<GatewayIdentity> LoadOrCreateIdentityAsync(string mac, string? serialNumber, CancellationToken cancellationToken) =>
            throw new NotSupportedException("the app tests' gateway is registered already");

        public Task<StateLoad<GatewayRegistration>> LoadRegistrationAsync(CancellationToken cancellationToken)
        {
            var value = Registration;
            return Task.FromResult(new StateLoad<GatewayRegistration>(value is null ? StateFileStatus.Missing : StateFileStatus.Loaded, value));
        }

        public Task SaveRegistrationAsync(GatewayRegistration registration, CancellationToken cancellationToken)
        {
            Registration = registration;
            return Task.CompletedTask;
        }

        public Task<StateLoad<IReadOnlyList<SubDeviceCredentials>>> LoadSubDevicesAsync(CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                return Task.FromResult(new StateLoad<IReadOnlyList<SubDeviceCredentials>>(StateFileStatus.Loaded, _subDevices));
            }
        }

        public Task SaveSubDevicesAsync(IReadOnlyList<SubDeviceCredentials> subDevices, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                _subDevices = subDevices;
            }
            return Task.CompletedTask;
        }

        public Task<bool> LoadResetFlagAsync(CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                return Task.FromResult(_resetFlag);
            }
        }

        public Task SaveResetFlagAsync(bool resetFlag, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                _resetFlag = resetFlag;
            }
            return Task.CompletedTask;
        }

        public Task WipeCredentialsAsync(CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                _registration = null;
                _subDevices = [];
            }
            return Task.CompletedTask;
        }
    }
}
