using Pi.Gateway.Provisioning;
using Pi.Gateway.Wifi;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Tests.Provisioning;

/// <summary>
/// wifiResult and registrationAck (docs/protocol.md sections 5-6): outcomes are replies, not
/// stream errors, so a failed join or a refused registration leaves the session usable for a retry.
/// </summary>
public sealed class Wifi_And_Registration_Tests
{
    [Fact]
    public async Task A_wrong_password_is_reported_and_a_retry_in_the_same_session_joins()
    {
        await using var harness = await ProvisioningHarness.StartAsync();
        var (_, _, session) = await harness.ConnectNewAppAsync();
        await using (session)
        {
            var failed = Assert.IsType<WifiResult>(await session.RequestAsync(new WifiCredentials("HomeRouter", new SecretString("hunter2!")), TestTimeouts.Token()));
            Assert.False(failed.Joined);
            Assert.Equal(WifiFailure.WrongPassword, failed.Reason);
            Assert.Null(failed.Ip);

            var joined = Assert.IsType<WifiResult>(await session.RequestAsync(
                new WifiCredentials("HomeRouter", new SecretString(FakeProvisioningHandler.RouterPassword)), TestTimeouts.Token()));
            Assert.True(joined.Joined);
            Assert.Equal(FakeProvisioningHandler.RouterIp, joined.Ip);
        }
        var events = harness.Handler.Events;
        Assert.Equal(["hunter2!", FakeProvisioningHandler.RouterPassword], events.OfType<JoinEvent>().Select(j => j.Password));
        Assert.Single(events.OfType<SessionStartedEvent>());
        await harness.Log.WaitForAsync(l => l.EventId.Id == 2034 && l.Message.Contains("WrongPassword", StringComparison.Ordinal));
    }

    public static TheoryData<string, WifiFailure> Odd_join_outcomes => new()
    {
        { "throws", WifiFailure.RadioError },
        { "fails without a reason", WifiFailure.RadioError },
        { "fails with an undefined reason", WifiFailure.RadioError },
        { "returns null", WifiFailure.RadioError },
        { "times out", WifiFailure.Timeout },
    };

    [Theory]
    [MemberData(nameof(Odd_join_outcomes))]
    public async Task A_join_that_goes_wrong_in_the_handler_is_a_failure_the_APP_can_read(string kind, WifiFailure expected)
    {
        await using var harness = await ProvisioningHarness.StartAsync();
        harness.Handler.Join = (_, _, _) => kind switch
        {
            "throws" => throw new WifiException("wpa_supplicant is gone"),
            "fails without a reason" => Task.FromResult(new JoinResult(false)),
            "fails with an undefined reason" => Task.FromResult(JoinResult.Failed((WifiFailure)42)),
            "returns null" => Task.FromResult<JoinResult>(null!),
            _ => Task.FromResult(JoinResult.Failed(WifiFailure.Timeout)),
        };
        var (_, _, session) = await harness.ConnectNewAppAsync();
        await using (session)
        {
            var result = Assert.IsType<WifiResult>(await session.RequestAsync(new WifiCredentials("HomeRouter", new SecretString("whatever1")), TestTimeouts.Token()));
            Assert.False(result.Joined);
            Assert.Equal(expected, result.Reason);
            Assert.IsType<SsidList>(await session.RequestAsync(new GetSsidList(), TestTimeouts.Token()));
        }
    }

    [Fact]
    public async Task A_join_reported_with_an_unreadable_address_is_joined_without_one()
    {
        await using var harness = await ProvisioningHarness.StartAsync();
        harness.Handler.Join = (_, _, _) => Task.FromResult(JoinResult.Success("127.1"));
        var (_, _, session) = await harness.ConnectNewAppAsync();
        await using (session)
        {
            var result = Assert.IsType<WifiResult>(await session.RequestAsync(new WifiCredentials("Open", new SecretString(string.Empty)), TestTimeouts.Token()));
            Assert.True(result.Joined);
            Assert.Null(result.Ip);
        }
    }

    [Fact]
    public async Task A_registration_the_handler_refuses_is_reported_and_a_retry_in_the_same_session_is_stored()
    {
        await using var harness = await ProvisioningHarness.StartAsync();
        var refuse = true;
        harness.Handler.Store = (_, _) => Task.FromResult(refuse
            ? RegistrationStoreResult.Refused(ProtocolErrorCode.Internal, "the data directory is read-only\n(disk full)")
            : RegistrationStoreResult.Success);
        var (_, _, session) = await harness.ConnectNewAppAsync();
        await using (session)
        {
            var registration = ProvisioningHarness.NewRegistration();
            var error = Assert.IsType<ProvisioningError>(await session.RequestAsync(registration, TestTimeouts.Token()));
            Assert.Equal(ProtocolErrorCode.Internal, error.Code);
            Assert.Equal("the data directory is read-only (disk full)", error.Message);

            refuse = false;
            var ack = Assert.IsType<RegistrationAck>(await session.RequestAsync(registration, TestTimeouts.Token()));
            Assert.Equal(registration.Tid, ack.Tid);
        }
        Assert.Equal(2, harness.Handler.Events.OfType<StoreEvent>().Count());
    }

    [Fact]
    public async Task A_handler_that_throws_while_storing_is_an_internal_error()
    {
        await using var harness = await ProvisioningHarness.StartAsync();
        harness.Handler.Store = (_, _) => throw new IOException("no space left on device");
        var (_, _, session) = await harness.ConnectNewAppAsync();
        await using (session)
        {
            var error = Assert.IsType<ProvisioningError>(await session.RequestAsync(ProvisioningHarness.NewRegistration(), TestTimeouts.Token()));
            Assert.Equal(ProtocolErrorCode.Internal, error.Code);
            Assert.IsType<SsidList>(await session.RequestAsync(new GetSsidList(), TestTimeouts.Token()));
        }
        await harness.Log.WaitForAsync(l => l.EventId.Id == 2038 && l.Exception is IOException);
    }

    [Fact]
    public async Task An_expired_key_pair_is_refused_before_the_handler_sees_it()
    {
        await using var harness = await ProvisioningHarness.StartAsync();
        var (_, _, session) = await harness.ConnectNewAppAsync();
        await using (session)
        {
            var expired = ProvisioningHarness.NewRegistration(keyExpiresAt: DateTimeOffset.UtcNow.AddMinutes(-1));
            var error = Assert.IsType<ProvisioningError>(await session.RequestAsync(expired, TestTimeouts.Token()));
            Assert.Equal(ProtocolErrorCode.KeyExpired, error.Code);
            Assert.IsType<RegistrationAck>(await session.RequestAsync(ProvisioningHarness.NewRegistration(), TestTimeouts.Token()));
        }
        Assert.Single(harness.Handler.Events.OfType<StoreEvent>());
    }

    [Fact]
    public async Task A_handler_whose_notifications_throw_does_not_break_the_session()
    {
        await using var harness = await ProvisioningHarness.StartAsync();
        var throwing = new ThrowingNotifications(harness.Handler);
        await using var server = new ProvisioningServer(harness.Options, harness.Context, throwing, harness.Ssids, harness.Log.For<ProvisioningServer>());
        await server.StartAsync(CancellationToken.None);
        var app = harness.NewApp();
        await app.SendAsync(app.SealSearch(), server.SearchEndPoint!, TestTimeouts.Token());
        var gateway = await app.ReceiveDeviceInfoAsync(skipOthers: true, TestTimeouts.Token());
        await using (var session = await app.ConnectAsync(gateway, TestTimeouts.Token()))
        {
            Assert.IsType<SsidList>(await session.RequestAsync(new GetSsidList(), TestTimeouts.Token()));
        }
        await harness.Log.WaitForAsync(l => l.EventId.Id == 2039 && l.Message.Contains("SessionEnded", StringComparison.Ordinal));
        Assert.Single(harness.Log.WithId(2039), l => l.Message.Contains("SessionStarted", StringComparison.Ordinal));
    }

    private sealed class ThrowingNotifications(IProvisioningHandler inner) : IProvisioningHandler
    {
        public Task<JoinResult> JoinWifiAsync(string ssid, SecretString password, CancellationToken cancellationToken) => inner.JoinWifiAsync(ssid, password, cancellationToken);

        public Task<RegistrationStoreResult> StoreRegistrationAsync(RegistrationInfo registration, CancellationToken cancellationToken) => inner.StoreRegistrationAsync(registration, cancellationToken);

        public void SessionStarted(ProvisioningSession session) => throw new InvalidOperationException("LEDs unplugged");

        public void SessionEnded(ProvisioningSession session, ProvisioningSessionEndReason reason) => throw new InvalidOperationException("LEDs unplugged");
    }
}
