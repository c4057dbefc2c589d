using System.Security.Cryptography;
using Pi.Gateway.Provisioning;
using Pi.Protocol.Crypto;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Tests.Provisioning;

/// <summary>docs/protocol.md section 5 end to end over real UDP and TCP on loopback.</summary>
public sealed class Happy_Path_Tests
{
    [Fact]
    public async Task An_APP_finds_the_gateway_lists_networks_joins_and_delivers_its_registration()
    {
        await using var harness = await ProvisioningHarness.StartAsync();
        var random = RandomNumberGenerator.GetBytes(16);
        var app = harness.NewApp(random);

        // S11-S13/H50: search by broadcast rules, deviceInfo under the agreekey.
        var gateway = await app.SearchAsync(harness.SearchEndPoint, TestTimeouts.Token());
        var info = gateway.Info;
        Assert.Equal("127.0.0.1", info.Ip);
        Assert.Equal(harness.Server.SessionEndPoint!.Port, info.TcpPort);
        Assert.False(info.Joined);
        Assert.Equal(ProvisioningHarness.Mac, info.Mac);
        Assert.Equal(ProvisioningHarness.Sn, info.Sn);
        Assert.Equal(harness.Context.Uuid, info.Uuid);
        Assert.True(info.ResetFlag);
        Assert.Equal("pi-gateway", info.Product);
        Assert.Equal("1.0.0", info.Firmware);
        // The binding hash covers the verification code and the APP's random (section 3.6).
        Assert.NotNull(info.Hash);
        Assert.True(BindingHash.Verify(harness.VerificationCode, random, info.Hash));
        Assert.False(BindingHash.Verify(harness.VerificationCode, RandomNumberGenerator.GetBytes(16), info.Hash));

        await using var session = await app.ConnectAsync(gateway, TestTimeouts.Token());

        // S3/H60: the cached scan, strongest first.
        var list = Assert.IsType<SsidList>(await session.RequestAsync(new GetSsidList(), TestTimeouts.Token()));
        Assert.Equal(["HomeRouter", "Neighbour", "Cafe"], list.Networks.Select(n => n.Ssid));
        Assert.Equal(0, harness.Ssids.Rescans);

        // S4/H70: the handler joins.
        var joined = Assert.IsType<WifiResult>(await session.RequestAsync(
            new WifiCredentials("HomeRouter", new SecretString(FakeProvisioningHandler.RouterPassword)), TestTimeouts.Token()));
        Assert.True(joined.Joined);
        Assert.Equal(FakeProvisioningHandler.RouterIp, joined.Ip);
        var join = await harness.Handler.WaitForAsync<JoinEvent>();
        Assert.Equal(("HomeRouter", FakeProvisioningHandler.RouterPassword), (join.Ssid, join.Password));

        // S103-S104: the registration is stored and acknowledged.
        var registration = ProvisioningHarness.NewRegistration();
        var ack = Assert.IsType<RegistrationAck>(await session.RequestAsync(registration, TestTimeouts.Token()));
        Assert.Equal(registration.Tid, ack.Tid);
        var stored = (await harness.Handler.WaitForAsync<StoreEvent>()).Registration;
        Assert.Equal(registration.Tid, stored.Tid);
        Assert.Equal(registration.Password, stored.Password);
        Assert.Equal(registration.AccessKey, stored.AccessKey);
        Assert.Equal(registration.LocalKey, stored.LocalKey);

        // The APP closes; the handler hears the session start and end, in that order.
        await session.DisposeAsync();
        var ended = await harness.Handler.WaitForAsync<SessionEndedEvent>();
        Assert.Equal(ProvisioningSessionEndReason.Closed, ended.Reason);
        var events = harness.Handler.Events;
        var started = Assert.IsType<SessionStartedEvent>(events[0]);
        Assert.Equal(started.Session, ended.Session);
        Assert.IsType<SessionEndedEvent>(events[^1]);
    }

    [Fact]
    public async Task The_registration_arrives_over_a_second_search_after_the_gateway_joined_as_the_spec_orders()
    {
        await using var harness = await ProvisioningHarness.StartAsync();
        var app = harness.NewApp(RandomNumberGenerator.GetBytes(16));
        var first = await app.SearchAsync(harness.SearchEndPoint, TestTimeouts.Token());
        await using (var session = await app.ConnectAsync(first, TestTimeouts.Token()))
        {
            var joined = Assert.IsType<WifiResult>(await session.RequestAsync(
                new WifiCredentials("HomeRouter", new SecretString(FakeProvisioningHandler.RouterPassword)), TestTimeouts.Token()));
            Assert.True(joined.Joined);
        }

        // The host reports the new state; the APP searches again on the router's LAN.
        harness.Server.UpdateContext(harness.Context with { Joined = true });
        var second = await app.SearchAsync(harness.SearchEndPoint, TestTimeouts.Token());
        Assert.True(second.Info.Joined);
        // Rule 1: a new gateway key pair (so a new agreekey) for every answered search.
        Assert.NotEqual(first.GatewayPublicKey, second.GatewayPublicKey);
        Assert.NotEqual(first.AgreeKey, second.AgreeKey);

        await using var delivery = await app.ConnectAsync(second, TestTimeouts.Token());
        var registration = ProvisioningHarness.NewRegistration();
        var ack = Assert.IsType<RegistrationAck>(await delivery.RequestAsync(registration, TestTimeouts.Token()));
        Assert.Equal(registration.Tid, ack.Tid);
    }

    [Fact]
    public async Task A_search_without_a_random_number_gets_deviceInfo_without_a_hash()
    {
        await using var harness = await ProvisioningHarness.StartAsync();
        var gateway = await harness.NewApp(random: null).SearchAsync(harness.SearchEndPoint, TestTimeouts.Token());
        Assert.Null(gateway.Info.Hash);
    }

    [Fact]
    public async Task A_rescan_asks_the_SSID_source_for_a_fresh_scan()
    {
        await using var harness = await ProvisioningHarness.StartAsync();
        var (_, _, session) = await harness.ConnectNewAppAsync();
        await using (session)
        {
            var list = Assert.IsType<SsidList>(await session.RequestAsync(new GetSsidList(Rescan: true), TestTimeouts.Token()));
            Assert.Equal(["NewRouter"], list.Networks.Select(n => n.Ssid));
            Assert.Equal(1, harness.Ssids.Rescans);
        }
    }

    [Fact]
    public async Task A_failing_scan_is_an_internal_error_and_the_session_goes_on()
    {
        await using var harness = await ProvisioningHarness.StartAsync();
        harness.Ssids.Failure = new InvalidOperationException("radio busy");
        var (_, _, session) = await harness.ConnectNewAppAsync();
        await using (session)
        {
            var error = Assert.IsType<ProvisioningError>(await session.RequestAsync(new GetSsidList(Rescan: true), TestTimeouts.Token()));
            Assert.Equal(Pi.Protocol.Errors.ProtocolErrorCode.Internal, error.Code);
            harness.Ssids.Failure = null;
            Assert.IsType<SsidList>(await session.RequestAsync(new GetSsidList(), TestTimeouts.Token()));
        }
    }
}
