using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;
using Pi.Gateway.Provisioning;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Framing;
using Pi.Protocol.Messages;

namespace Pi.Gateway.Tests.Provisioning;

/// <summary>
/// Bad input on port3 (docs/protocol.md section 4, transports and receiver checks; section 6,
/// sizes): a length over the limit is refused before anything is read or allocated for it; inside
/// a session the APP gets a sealed error with the code and the connection closes; the handler never
/// sees an invalid request; the server goes on serving.
/// </summary>
public sealed class Stream_Limits_Tests
{
    private const int ConnectionRefused = 2020;

    [Theory]
    [InlineData(0x0010_0000u, "frame_too_large")]
    [InlineData(0xFFFF_FFFFu, "frame_too_large")]
    [InlineData(33u, "length_mismatch")]
    [InlineData(0u, "length_mismatch")]
    public async Task A_bad_length_before_any_session_closes_the_connection_at_once(uint length, string code)
    {
        // Long timeouts: only the refusal can close the connection within the test's wait.
        await using var harness = await ProvisioningHarness.StartAsync(o => (o.IdleTimeout, o.FrameTimeout) = (TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)));
        using var peer = await Session_Admission_Tests.ConnectRawAsync(harness);
        var prefix = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(prefix, length);
        await peer.SendAsync(prefix, SocketFlags.None, TestTimeouts.Token());

        Assert.Equal(0, await peer.ReceiveAsync(new byte[16], SocketFlags.None, TestTimeouts.Token()));
        await harness.Log.WaitForRefusalAsync(ConnectionRefused, code);
        await harness.AssertStillServesAsync();
    }

    [Fact]
    public async Task An_authentic_frame_over_the_configured_limit_is_refused()
    {
        await using var harness = await ProvisioningHarness.StartAsync(o => o.MaxFrameSize = 512);
        var (_, _, session) = await harness.ConnectNewAppAsync();
        await using (session)
        {
            Assert.IsType<SsidList>(await session.RequestAsync(new GetSsidList(), TestTimeouts.Token()));
            // Unknown members are ignored by receivers, so this is a valid getSsidList, just too big.
            var padded = Encoding.UTF8.GetBytes($$"""{"rescan":false,"pad":"{{new string('x', 600)}}"}""");
            await session.SendRawAsync(session.SealPlaintext(ProvisioningFrameType.GetSsidList, padded), TestTimeouts.Token());
            await AssertErrorThenClosedAsync(session, ProtocolErrorCode.FrameTooLarge);
        }
        await AssertSessionEndedAsync(harness, "frame_too_large");
    }

    public static TheoryData<string, string, ProtocolErrorCode> Bad_credentials => new()
    {
        { "SSID of 33 bytes", $$"""{"ssid":"{{new string('s', 33)}}","password":"pw"}""", ProtocolErrorCode.InvalidField },
        { "SSID of 11 three-byte characters", $$"""{"ssid":"{{new string('€', 11)}}","password":"pw"}""", ProtocolErrorCode.InvalidField },
        { "empty SSID", """{"ssid":"","password":"pw"}""", ProtocolErrorCode.InvalidField },
        { "SSID with a control character", """{"ssid":"Home\u0007","password":"pw"}""", ProtocolErrorCode.InvalidField },
        { "password of 129 bytes", $$"""{"ssid":"HomeRouter","password":"{{new string('p', 129)}}"}""", ProtocolErrorCode.InvalidField },
        { "no password", """{"ssid":"HomeRouter"}""", ProtocolErrorCode.MissingField },
        { "password as a number", """{"ssid":"HomeRouter","password":12345678}""", ProtocolErrorCode.MalformedJson },
        { "not JSON", "ssid=HomeRouter", ProtocolErrorCode.MalformedJson },
        { "duplicate member", """{"ssid":"HomeRouter","ssid":"Other","password":"pw"}""", ProtocolErrorCode.MalformedJson },
    };

    [Theory]
    [MemberData(nameof(Bad_credentials))]
    public async Task Invalid_credentials_are_refused_with_their_code_and_never_reach_the_handler(string kind, string json, ProtocolErrorCode code)
    {
        Assert.NotEmpty(kind);
        await using var harness = await ProvisioningHarness.StartAsync();
        var (_, _, session) = await harness.ConnectNewAppAsync();
        await using (session)
        {
            await session.SendRawAsync(session.SealPlaintext(ProvisioningFrameType.WifiCredentials, Encoding.UTF8.GetBytes(json)), TestTimeouts.Token());
            await AssertErrorThenClosedAsync(session, code);
        }
        await AssertSessionEndedAsync(harness, ProtocolErrors.Name(code));
        Assert.DoesNotContain(harness.Handler.Events, e => e is JoinEvent);
        await harness.AssertStillServesAsync();
    }

    [Fact]
    public async Task A_registration_with_keys_of_the_wrong_size_never_reaches_the_handler()
    {
        await using var harness = await ProvisioningHarness.StartAsync();
        var (_, _, session) = await harness.ConnectNewAppAsync();
        await using (session)
        {
            var json = """{"tid":"gw-1","password":"Zq7Rw2Ld9Xp4Hs8Kt3Mv","accessKey":"AAEC","localKey":"W4Gq9MSwhG3WPJ3Zv/IFpA==","keyId":1,"keyExpiresAt":"2099-01-01T00:00:00+00:00","serviceExpiresAt":"2099-01-01T00:00:00+00:00"}""";
            await session.SendRawAsync(session.SealPlaintext(ProvisioningFrameType.RegistrationInfo, Encoding.UTF8.GetBytes(json)), TestTimeouts.Token());
            // Pi.Protocol's key converter refuses it as malformed JSON (a key is 16 bytes in Base64).
            await AssertErrorThenClosedAsync(session, ProtocolErrorCode.MalformedJson);
        }
        Assert.DoesNotContain(harness.Handler.Events, e => e is StoreEvent);
    }

    [Fact]
    public async Task A_tampered_frame_in_a_session_gets_authentication_failed()
    {
        await using var harness = await ProvisioningHarness.StartAsync();
        var (_, _, session) = await harness.ConnectNewAppAsync();
        await using (session)
        {
            Assert.IsType<SsidList>(await session.RequestAsync(new GetSsidList(), TestTimeouts.Token()));
            var frame = session.Seal(new GetSsidList());
            frame[^1] ^= 0x01;
            await session.SendRawAsync(frame, TestTimeouts.Token());
            await AssertErrorThenClosedAsync(session, ProtocolErrorCode.AuthenticationFailed);
        }
        await AssertSessionEndedAsync(harness, "authentication_failed");
    }

    [Fact]
    public async Task A_replayed_frame_in_a_session_gets_replayed()
    {
        await using var harness = await ProvisioningHarness.StartAsync();
        var (_, _, session) = await harness.ConnectNewAppAsync();
        await using (session)
        {
            Assert.IsType<SsidList>(await session.RequestAsync(new GetSsidList(), TestTimeouts.Token()));
            var frame = session.Seal(new WifiCredentials("HomeRouter", new SecretString("wrong password")));
            await session.SendRawAsync(frame, TestTimeouts.Token());
            Assert.IsType<WifiResult>(await session.ReceiveAsync(TestTimeouts.Token()));
            await session.SendRawAsync(frame, TestTimeouts.Token());
            await AssertErrorThenClosedAsync(session, ProtocolErrorCode.Replayed);
        }
        await AssertSessionEndedAsync(harness, "replayed");
        Assert.Single(harness.Handler.Events.OfType<JoinEvent>());
    }

    [Fact]
    public async Task A_frame_type_the_APP_does_not_send_gets_unexpected_frame()
    {
        await using var harness = await ProvisioningHarness.StartAsync();
        var (_, _, session) = await harness.ConnectNewAppAsync();
        await using (session)
        {
            Assert.IsType<SsidList>(await session.RequestAsync(new GetSsidList(), TestTimeouts.Token()));
            var frame = session.Seal(new GetSsidList());
            frame[StreamFrameDecoder.LengthPrefixSize + 3] = (byte)ProvisioningFrameType.SsidList;
            await session.SendRawAsync(frame, TestTimeouts.Token());
            await AssertErrorThenClosedAsync(session, ProtocolErrorCode.UnexpectedFrame);
        }
    }

    [Fact]
    public async Task A_huge_length_inside_a_session_gets_frame_too_large_without_waiting_for_the_bytes()
    {
        await using var harness = await ProvisioningHarness.StartAsync(o => (o.IdleTimeout, o.FrameTimeout) = (TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)));
        var (_, _, session) = await harness.ConnectNewAppAsync();
        await using (session)
        {
            Assert.IsType<SsidList>(await session.RequestAsync(new GetSsidList(), TestTimeouts.Token()));
            await session.SendRawAsync(new byte[] { 0x7F, 0xFF, 0xFF, 0xFF }, TestTimeouts.Token());
            await AssertErrorThenClosedAsync(session, ProtocolErrorCode.FrameTooLarge);
        }
    }

    private static async Task AssertErrorThenClosedAsync(AppSession session, ProtocolErrorCode code)
    {
        var messages = await session.ReadUntilClosedAsync(TestTimeouts.Token());
        var error = Assert.IsType<ProvisioningError>(Assert.Single(messages));
        Assert.Equal(code, error.Code);
    }

    private static async Task AssertSessionEndedAsync(ProvisioningHarness harness, string code)
    {
        await harness.Log.WaitForRefusalAsync(ConnectionRefused, code);
        var ended = await harness.Handler.WaitForAsync<SessionEndedEvent>();
        Assert.Equal(ProvisioningSessionEndReason.ProtocolError, ended.Reason);
    }
}
