using Pi.Protocol.Crypto;
using Pi.Protocol.Envelopes;
using Pi.Protocol.Errors;
using Pi.Protocol.Login;
using Pi.Protocol.Messages;
using static Pi.Protocol.Tests.TestData;

namespace Pi.Protocol.Tests.Login;

public sealed class Login_Exchange_Tests
{
    private const string Tid = "gw-1042029";
    private const uint AccessKeyId = 0x0000_0A0B;
    private const string PasswordText = "gateway-password-0001";
    private static readonly SymmetricKey AccessKey = Key(0x70);
    private static readonly DateTimeOffset Expiry = new(2031, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly byte[] ChallengeA = Bytes(16, 0xA0);
    private static readonly byte[] ChallengeB = Bytes(16, 0xB0);

    private static readonly LoginReply Reply = new(
        SessionKeyId: 501,
        SessionKey: Key(0x90),
        SessionToken: new SecretString("mqtt-session-token-01"),
        SessionExpiresAt: Expiry,
        KeyExpiresAt: Expiry.AddYears(1),
        ServiceExpiresAt: Expiry.AddYears(2),
        MqttUrl: "mqtts://broker.example.com:8883");

    private static GatewayLogin NewLogin(byte[]? challenge = null, string tid = Tid) =>
        new(tid, new SecretString(PasswordText), AccessKey, AccessKeyId, new LoginChallenge(tid, challenge ?? ChallengeA, Expiry));

    private static byte[] SealedRequest(byte[]? challenge = null)
    {
        using var login = NewLogin(challenge);
        return login.SealRequest();
    }

    [Fact]
    public void Gateway_and_cloud_complete_a_login_and_share_the_session_key()
    {
        using var login = NewLogin();
        var request = login.SealRequest();

        var header = CloudLogin.ReadRequestHeader(request);
        Assert.Equal(new EnvelopeHeader(Direction.GatewayToCloud, AccessKeyId, 0, Tid, null), header);
        var opened = CloudLogin.OpenRequest(request, header.Tid!, AccessKey, header.KeyId, ChallengeA);
        Assert.Equal(Tid, opened.Tid);
        Assert.Equal(PasswordText, opened.Password.Reveal());
        Assert.Equal(ChallengeA, opened.Challenge);

        var received = login.OpenReply(CloudLogin.SealReply(Reply, Tid, AccessKey, AccessKeyId, ChallengeA));
        Assert.Equal(Reply, received);

        // The session channel under the new key works both ways.
        using var up = new EnvelopeSealer(received.SessionKey, received.SessionKeyId, Direction.GatewayToCloud);
        using var cloudOpener = new EnvelopeOpener(Reply.SessionKey, Reply.SessionKeyId, Direction.GatewayToCloud, tid: Tid);
        Assert.IsType<Logout>(cloudOpener.OpenMessage(up.Seal(new Logout("t-1"), Tid)).Message);
    }

    [Fact]
    public void The_request_is_sealed_under_the_login_key_not_the_accesskey()
    {
        var request = SealedRequest();
        using var underAccessKey = new EnvelopeOpener(AccessKey, AccessKeyId, Direction.GatewayToCloud);
        Throws(ProtocolErrorCode.AuthenticationFailed, () => underAccessKey.Open(request));
        using var underLoginKey = new EnvelopeOpener(KeyDerivation.DeriveLoginKey(AccessKey, ChallengeA, Tid), AccessKeyId, Direction.GatewayToCloud);
        Assert.Equal(Tid, ProtocolJson.Deserialize<LoginRequest>(underLoginKey.Open(request).Plaintext).Tid);
    }

    [Fact]
    public void A_login_seals_its_request_only_once()
    {
        using var login = NewLogin();
        login.SealRequest();
        Assert.Throws<InvalidOperationException>(() => login.SealRequest());
    }

    [Fact]
    public void The_cloud_refuses_a_request_sealed_for_another_challenge() =>
        Throws(ProtocolErrorCode.AuthenticationFailed, () => CloudLogin.OpenRequest(SealedRequest(ChallengeA), Tid, AccessKey, AccessKeyId, ChallengeB));

    [Fact]
    public void The_cloud_refuses_a_request_under_another_accesskey() =>
        Throws(ProtocolErrorCode.AuthenticationFailed, () => CloudLogin.OpenRequest(SealedRequest(), Tid, Key(0x71), AccessKeyId, ChallengeA));

    [Fact]
    public void The_cloud_refuses_a_request_with_another_key_id() =>
        Throws(ProtocolErrorCode.KeyIdMismatch, () => CloudLogin.OpenRequest(SealedRequest(), Tid, AccessKey, AccessKeyId + 1, ChallengeA));

    [Fact]
    public void The_cloud_refuses_a_request_naming_another_tid_in_its_header() =>
        Throws(ProtocolErrorCode.IdMismatch, () => CloudLogin.OpenRequest(SealedRequest(), "gw-other", AccessKey, AccessKeyId, ChallengeA));

    [Theory]
    [InlineData(11)] // last byte of the counter
    [InlineData(40)] // ciphertext
    [InlineData(-1)] // tag
    public void The_cloud_refuses_a_tampered_request(int index)
    {
        var request = SealedRequest();
        var tampered = Flip(request, index < 0 ? request.Length + index : index);
        Throws(ProtocolErrorCode.AuthenticationFailed, () => CloudLogin.OpenRequest(tampered, Tid, AccessKey, AccessKeyId, ChallengeA));
    }

    [Fact]
    public void The_cloud_refuses_a_request_whose_tid_was_changed_in_transit()
    {
        var request = SealedRequest();
        var tampered = Flip(request, 18 + 4); // "gw-1042029" becomes "gw-1142029"
        Assert.Equal("gw-1142029", CloudLogin.ReadRequestHeader(tampered).Tid);
        Throws(ProtocolErrorCode.IdMismatch, () => CloudLogin.OpenRequest(tampered, Tid, AccessKey, AccessKeyId, ChallengeA));
        Throws(ProtocolErrorCode.AuthenticationFailed, () => CloudLogin.OpenRequest(tampered, "gw-1142029", AccessKey, AccessKeyId, ChallengeA));
    }

    [Fact]
    public void The_cloud_refuses_an_authentic_request_that_answers_another_challenge()
    {
        // Sealed under challenge A's login key, but the JSON names challenge B.
        using var sealer = new EnvelopeSealer(KeyDerivation.DeriveLoginKey(AccessKey, ChallengeA, Tid), AccessKeyId, Direction.GatewayToCloud);
        var request = sealer.Seal(ProtocolJson.Serialize(new LoginRequest(Tid, new SecretString(PasswordText), ChallengeB)), Tid);
        Throws(ProtocolErrorCode.SessionExpired, () => CloudLogin.OpenRequest(request, Tid, AccessKey, AccessKeyId, ChallengeA));
    }

    [Fact]
    public void The_cloud_refuses_an_authentic_request_whose_body_names_another_tid()
    {
        using var sealer = new EnvelopeSealer(KeyDerivation.DeriveLoginKey(AccessKey, ChallengeA, Tid), AccessKeyId, Direction.GatewayToCloud);
        var request = sealer.Seal(ProtocolJson.Serialize(new LoginRequest("gw-other", new SecretString(PasswordText), ChallengeA)), Tid);
        Throws(ProtocolErrorCode.IdMismatch, () => CloudLogin.OpenRequest(request, Tid, AccessKey, AccessKeyId, ChallengeA));
    }

    [Fact]
    public void ReadRequestHeader_refuses_a_reply_direction()
    {
        var reply = CloudLogin.SealReply(Reply, Tid, AccessKey, AccessKeyId, ChallengeA);
        Throws(ProtocolErrorCode.WrongDirection, () => CloudLogin.ReadRequestHeader(reply));
        Throws(ProtocolErrorCode.WrongDirection, () => CloudLogin.OpenRequest(reply, Tid, AccessKey, AccessKeyId, ChallengeA));
    }

    [Theory]
    [InlineData(Tid, "dev-1")]
    [InlineData(null, "dev-1")]
    public void ReadRequestHeader_requires_a_tid_and_no_did(string? tid, string did)
    {
        using var sealer = new EnvelopeSealer(AccessKey, AccessKeyId, Direction.GatewayToCloud);
        Throws(ProtocolErrorCode.InvalidId, () => CloudLogin.ReadRequestHeader(sealer.Seal(Utf8("{}"), tid, did)));
    }

    [Fact]
    public void ReadRequestHeader_refuses_oversized_and_malformed_envelopes()
    {
        using var sealer = new EnvelopeSealer(AccessKey, AccessKeyId, Direction.GatewayToCloud);
        Throws(ProtocolErrorCode.FrameTooLarge, () => CloudLogin.ReadRequestHeader(sealer.Seal(new byte[CloudLogin.MaxLoginEnvelopeSize], Tid)));
        Throws(ProtocolErrorCode.BadMagic, () => CloudLogin.ReadRequestHeader(new byte[64]));
        Throws(ProtocolErrorCode.Truncated, () => CloudLogin.ReadRequestHeader(new byte[10]));
    }

    [Fact]
    public void The_gateway_refuses_a_reply_sealed_for_another_challenge()
    {
        using var login = NewLogin(ChallengeA);
        login.SealRequest();
        Throws(ProtocolErrorCode.AuthenticationFailed, () => login.OpenReply(CloudLogin.SealReply(Reply, Tid, AccessKey, AccessKeyId, ChallengeB)));
        // The refused reply left the window alone: the right reply still opens.
        Assert.Equal(Reply, login.OpenReply(CloudLogin.SealReply(Reply, Tid, AccessKey, AccessKeyId, ChallengeA)));
    }

    [Fact]
    public void The_gateway_refuses_replies_with_another_key_id_tid_or_a_replay()
    {
        using var login = NewLogin();
        Throws(ProtocolErrorCode.KeyIdMismatch, () => login.OpenReply(CloudLogin.SealReply(Reply, Tid, AccessKey, AccessKeyId + 1, ChallengeA)));
        Throws(ProtocolErrorCode.IdMismatch, () => login.OpenReply(CloudLogin.SealReply(Reply, "gw-other", AccessKey, AccessKeyId, ChallengeA)));
        var reply = CloudLogin.SealReply(Reply, Tid, AccessKey, AccessKeyId, ChallengeA);
        login.OpenReply(reply);
        Throws(ProtocolErrorCode.Replayed, () => login.OpenReply(reply));
    }

    [Fact]
    public void The_gateway_refuses_its_own_request_reflected_back() =>
        Throws(ProtocolErrorCode.WrongDirection, () =>
        {
            using var login = NewLogin();
            login.OpenReply(login.SealRequest());
        });

    [Fact]
    public void The_gateway_refuses_an_authentic_reply_that_is_not_a_login_reply()
    {
        using var login = NewLogin();
        using var sealer = new EnvelopeSealer(KeyDerivation.DeriveLoginKey(AccessKey, ChallengeA, Tid), AccessKeyId, Direction.CloudToGateway);
        Throws(ProtocolErrorCode.MissingField, () => login.OpenReply(sealer.Seal(Utf8("{\"sessionKeyId\":1}"), Tid)));
    }

    [Fact]
    public void The_cloud_will_not_seal_an_invalid_reply() =>
        Throws(ProtocolErrorCode.InvalidField, () => CloudLogin.SealReply(Reply with { SessionToken = new SecretString("short") }, Tid, AccessKey, AccessKeyId, ChallengeA));

    [Fact]
    public void A_login_needs_a_valid_challenge_for_its_own_tid()
    {
        Throws(ProtocolErrorCode.IdMismatch, () =>
            new GatewayLogin(Tid, new SecretString(PasswordText), AccessKey, AccessKeyId, new LoginChallenge("gw-other", ChallengeA, Expiry)));
        Throws(ProtocolErrorCode.InvalidField, () => NewLogin(new byte[15]));
        Throws(ProtocolErrorCode.InvalidId, () => NewLogin(tid: "gw/1"));
    }

    [Fact]
    public void The_request_is_validated_before_it_is_sealed() =>
        Throws(ProtocolErrorCode.InvalidField, () =>
        {
            using var login = new GatewayLogin(Tid, new SecretString("short"), AccessKey, AccessKeyId, new LoginChallenge(Tid, ChallengeA, Expiry));
            login.SealRequest();
        });
}
