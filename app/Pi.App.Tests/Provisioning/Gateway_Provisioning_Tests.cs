using System.Diagnostics;
using System.Security.Cryptography;
using Pi.App.Provisioning;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;

namespace Pi.App.Tests.Provisioning;

/// <summary>The APP's provisioning library against the real gateway responder on loopback.</summary>
public sealed class Gateway_Provisioning_Tests
{
    private static RegistrationInfo NewRegistration() => new(
        "gw-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4)),
        new SecretString(Convert.ToBase64String(RandomNumberGenerator.GetBytes(15))),
        SymmetricKey.Generate(),
        SymmetricKey.Generate(),
        1,
        DateTimeOffset.UtcNow.AddDays(365),
        DateTimeOffset.UtcNow.AddDays(730),
        "https://cloud.example:8443");

    [Fact]
    public async Task Search_lists_networks_survives_a_wrong_Wi_Fi_password_joins_and_delivers_the_registration()
    {
        await using var gateway = await GatewayUnderTest.StartAsync();
        using var app = gateway.NewApp(random: RandomNumberGenerator.GetBytes(16));

        var found = await app.SearchAsync(TestTimeouts.Token());
        Assert.Equal(GatewayUnderTest.Mac, found.Info.Mac);
        Assert.False(found.Info.Joined);
        Assert.NotNull(found.Info.Hash);
        Assert.Equal(gateway.Server.SessionEndPoint, found.SessionEndPoint);

        await using var session = await app.ConnectAsync(found, TestTimeouts.Token());
        var networks = await session.GetSsidListAsync(cancellationToken: TestTimeouts.Token());
        Assert.Equal(["HomeRouter", "Cafe"], networks.Select(n => n.Ssid));

        var wrong = await session.JoinWifiAsync(new WifiCredentials("HomeRouter", new SecretString("not the password")), TestTimeouts.Token());
        Assert.Equal(new WifiOutcome(WifiOutcomeKind.Failed, WifiFailure.WrongPassword), wrong);

        var right = await session.JoinWifiAsync(new WifiCredentials("HomeRouter", new SecretString(GatewayUnderTest.RouterPassword)), TestTimeouts.Token());
        Assert.Equal(new WifiOutcome(WifiOutcomeKind.Joined, Ip: GatewayUnderTest.RouterIp), right);

        var registration = NewRegistration();
        var ack = await session.DeliverRegistrationAsync(registration, TestTimeouts.Token());
        Assert.Equal(registration.Tid, ack.Tid);
        Assert.Equal(registration.AccessKey, Assert.Single(gateway.Handler.Registrations).AccessKey);
        Assert.False(session.IsOver);
    }

    [Fact]
    public async Task RequestAsync_returns_the_typed_answer_and_the_agreekey_is_never_printed()
    {
        await using var gateway = await GatewayUnderTest.StartAsync();
        using var app = gateway.NewApp();
        var found = await app.SearchAsync(TestTimeouts.Token());
        await using var session = await app.ConnectAsync(found, TestTimeouts.Token());

        Assert.IsType<SsidList>(await session.RequestAsync(new GetSsidList(), TestTimeouts.Token()));
        Assert.DoesNotContain(found.AgreeKey.ToBase64(), found.ToString(), StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => session.RequestAsync(new SearchDevice(GatewayUnderTest.Mac), TestTimeouts.Token()));
    }

    [Fact]
    public async Task The_same_APP_searching_again_replaces_its_stale_connection()
    {
        // After the softAP dropped during a join, the APP comes back with the same key pair.
        await using var gateway = await GatewayUnderTest.StartAsync();
        using var app = gateway.NewApp();
        await using var stale = await app.SearchAndConnectAsync(TestTimeouts.Token());
        Assert.NotEmpty(await stale.GetSsidListAsync(cancellationToken: TestTimeouts.Token()));

        await using var fresh = await app.SearchAndConnectAsync(TestTimeouts.Token());
        Assert.NotEmpty(await fresh.GetSsidListAsync(cancellationToken: TestTimeouts.Token()));

        var failure = await Assert.ThrowsAsync<ProvisioningClientException>(() => stale.GetSsidListAsync(cancellationToken: TestTimeouts.Token()));
        Assert.Equal(ProvisioningFailure.ConnectionLost, failure.Failure);
    }

    [Fact]
    public async Task Open_mode_provisions_without_a_setup_code_and_a_code_holder_gets_no_answer_from_an_open_gateway()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(openMode: true);
        using var open = new ProvisioningClient(GatewayUnderTest.Mac, ProvisioningSecret.OpenMode, gateway.Options());
        await using var session = await open.SearchAndConnectAsync(TestTimeouts.Token());
        Assert.True(session.Device.OpenMode);
        Assert.NotEmpty(await session.GetSsidListAsync(cancellationToken: TestTimeouts.Token()));

        using var withCode = gateway.NewApp(timeout: TimeSpan.FromSeconds(1));
        var failure = await Assert.ThrowsAsync<ProvisioningClientException>(() => withCode.SearchAsync(TestTimeouts.Token()));
        Assert.Equal(ProvisioningFailure.NoAnswer, failure.Failure);
    }

    [Fact]
    public async Task A_cancelled_request_ends_the_session()
    {
        await using var gateway = await GatewayUnderTest.StartAsync();
        gateway.Handler.HoldJoin = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var app = gateway.NewApp();
        await using var session = await app.SearchAndConnectAsync(TestTimeouts.Token());
        using var cancel = new CancellationTokenSource();

        var joining = session.JoinWifiAsync(new WifiCredentials("HomeRouter", new SecretString(GatewayUnderTest.RouterPassword)), cancel.Token);
        await gateway.Handler.JoinStarted.Task.WaitAsync(TestTimeouts.Wait);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => joining);
        Assert.True(session.IsOver);
        gateway.Handler.HoldJoin.SetResult();
    }

    [Fact]
    public async Task A_wrong_setup_code_gets_no_answer_because_the_gateway_stays_silent()
    {
        await using var gateway = await GatewayUnderTest.StartAsync();
        var wrongCode = SetupCode.Generate();
        using var app = gateway.NewApp(wrongCode, timeout: TimeSpan.FromSeconds(1));

        var failure = await Assert.ThrowsAsync<ProvisioningClientException>(() => app.SearchAsync(TestTimeouts.Token()));

        Assert.Equal(ProvisioningFailure.NoAnswer, failure.Failure);
        Assert.Contains("setup code", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrongCode.ToCanonicalString(), failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(gateway.SetupCode.ToCanonicalString(), failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Answers_that_do_not_open_under_our_setup_code_are_reported_as_WrongSetupCode()
    {
        // Another APP with the right code searches while ours (with a wrong code) listens on the shared
        // port2: it hears the gateway's answers but none opens under its keys.
        await using var gateway = await GatewayUnderTest.StartAsync();
        using var wrong = gateway.NewApp(SetupCode.Generate(), timeout: TimeSpan.FromSeconds(2));
        using var right = gateway.NewApp();

        var searching = wrong.SearchAsync(TestTimeouts.Token());
        while (!searching.IsCompleted)
        {
            await right.SearchAsync(TestTimeouts.Token());
            await Task.WhenAny(searching, Task.Delay(50));
        }

        var failure = await Assert.ThrowsAsync<ProvisioningClientException>(() => searching);
        Assert.Equal(ProvisioningFailure.WrongSetupCode, failure.Failure);
        Assert.Equal(ProtocolErrorCode.AuthenticationFailed, failure.Code);
    }

    [Fact]
    public async Task Nobody_listening_is_NoAnswer_within_the_timeout()
    {
        using var app = new ProvisioningClient(GatewayUnderTest.Mac, ProvisioningSecret.FromSetupCode(SetupCode.Generate()), new SearchOptions
        {
            SearchEndPoint = new(System.Net.IPAddress.Loopback, FreePorts.Udp()),
            AnswerPort = FreePorts.Udp(),
            Timeout = TimeSpan.FromMilliseconds(600),
            Retries = 2,
        });
        var clock = Stopwatch.StartNew();

        var failure = await Assert.ThrowsAsync<ProvisioningClientException>(() => app.SearchAsync(TestTimeouts.Token()));

        Assert.Equal(ProvisioningFailure.NoAnswer, failure.Failure);
        Assert.Equal(ProtocolErrorCode.Timeout, failure.Code);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_second_APP_is_told_Busy_with_the_protocol_code()
    {
        await using var gateway = await GatewayUnderTest.StartAsync();
        using var first = gateway.NewApp();
        await using var firstSession = await first.SearchAndConnectAsync(TestTimeouts.Token());
        Assert.NotEmpty(await firstSession.GetSsidListAsync(cancellationToken: TestTimeouts.Token()));

        using var second = gateway.NewApp();
        await using var secondSession = await second.SearchAndConnectAsync(TestTimeouts.Token());
        var failure = await Assert.ThrowsAsync<ProvisioningClientException>(() => secondSession.GetSsidListAsync(cancellationToken: TestTimeouts.Token()));

        Assert.Equal(ProvisioningFailure.Busy, failure.Failure);
        Assert.Equal(ProtocolErrorCode.Busy, failure.Code);
        Assert.True(secondSession.IsOver);
        var again = await Assert.ThrowsAsync<ProvisioningClientException>(() => secondSession.GetSsidListAsync(cancellationToken: TestTimeouts.Token()));
        Assert.Equal(ProvisioningFailure.ConnectionLost, again.Failure);

        // The first APP's session is untouched.
        Assert.NotEmpty(await firstSession.GetSsidListAsync(cancellationToken: TestTimeouts.Token()));
    }

    [Fact]
    public async Task A_connection_that_drops_during_the_join_is_a_ConnectionDropped_outcome()
    {
        await using var gateway = await GatewayUnderTest.StartAsync();
        gateway.Handler.HoldJoin = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var app = gateway.NewApp();
        await using var session = await app.SearchAndConnectAsync(TestTimeouts.Token());

        var joining = session.JoinWifiAsync(new WifiCredentials("HomeRouter", new SecretString(GatewayUnderTest.RouterPassword)), TestTimeouts.Token());
        await gateway.Handler.JoinStarted.Task.WaitAsync(TestTimeouts.Wait);
        // The radio leaves the softAP: the gateway's side of the connection goes away.
        await gateway.Server.StopAsync(TestTimeouts.Token());

        Assert.Equal(new WifiOutcome(WifiOutcomeKind.ConnectionDropped), await joining);
        Assert.True(session.IsOver);
    }
}
