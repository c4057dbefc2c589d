using Pi.Protocol.Crypto;
using Pi.SubDevice.Client;

namespace Pi.SubDevice.Tests;

/// <summary>Clients for the tests: short timings, events turned into awaitable lists.</summary>
internal sealed class TestClient : IAsyncDisposable
{
    public TestClient(TestGateway gateway, string did, SymmetricKey localKey, TimeProvider? time = null, TimeSpan? refusedRetry = null, TimeSpan? reconnect = null, TimeSpan? welcomeTimeout = null,
        TimeSpan? pairingRetry = null, TimeSpan? pairingPeriod = null)
    {
        Client = new SubDeviceClient(
            new SubDeviceClientOptions(did, localKey, BrokerEndpoint.Parse(gateway.BrokerUrl))
            {
                InitialReconnectDelay = reconnect ?? TimeSpan.FromMilliseconds(20),
                MaxReconnectDelay = reconnect ?? TimeSpan.FromMilliseconds(200),
                RefusedRetryDelay = refusedRetry ?? TimeSpan.FromMilliseconds(100),
                PairingRetryDelay = pairingRetry ?? TimeSpan.FromMilliseconds(100),
                PairingRetryPeriod = pairingPeriod ?? TimeSpan.FromMinutes(10),
                WelcomeTimeout = welcomeTimeout ?? TimeSpan.FromSeconds(10),
            },
            time);
        Client.Linked += (_, e) => Links.Add(e);
        Client.Disconnected += (_, e) => Disconnects.Add(e);
        Client.Refused += (_, e) => Refusals.Add(e);
        Client.CommandHandled += (_, e) => Commands.Add(e);
    }

    public SubDeviceClient Client { get; }

    public Observed<LinkedInfo> Links { get; } = new();

    public Observed<DisconnectedInfo> Disconnects { get; } = new();

    public Observed<RefusedInfo> Refusals { get; } = new();

    public Observed<CommandHandledInfo> Commands { get; } = new();

    public static async Task<TestClient> LinkedAsync(TestGateway gateway, string did, TimeProvider? time = null)
    {
        var client = new TestClient(gateway, did, gateway.Add(did), time);
        await client.Client.StartAsync(CancellationToken.None);
        await client.Links.WaitAsync(_ => true);
        return client;
    }

    public ValueTask DisposeAsync() => Client.DisposeAsync();
}
