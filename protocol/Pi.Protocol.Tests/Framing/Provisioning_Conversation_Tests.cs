using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Framing;
using Pi.Protocol.Messages;
using static Pi.Protocol.Tests.TestData;

namespace Pi.Protocol.Tests.Framing;

/// <summary>A whole provisioning exchange between an APP and a gateway, through the real frames.</summary>
public sealed class Provisioning_Conversation_Tests
{
    private const string VerificationCode = "VC-7731";
    private static readonly DateTimeOffset Expiry = new(2032, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Both ends of the stream: each side decodes what the other sealed.</summary>
    private sealed class Link(ProvisioningChannel app, ProvisioningChannel gateway)
    {
        private readonly StreamFrameDecoder _toGateway = new();
        private readonly StreamFrameDecoder _toApp = new();

        public (ProvisioningFrame Frame, T Message) AppSends<T>(ProvisioningMessage message, ReadOnlySpan<byte> publicKey = default)
            where T : ProvisioningMessage
        {
            var frame = Assert.Single(_toGateway.Push(app.Seal(message, publicKey)));
            Assert.Equal(ProvisioningRole.App, frame.Sender);
            return (frame, Assert.IsType<T>(gateway.Open(frame)));
        }

        public T GatewaySends<T>(ProvisioningMessage message)
            where T : ProvisioningMessage
        {
            var frame = Assert.Single(_toApp.Push(gateway.Seal(message)));
            Assert.Equal(ProvisioningRole.Gateway, frame.Sender);
            Assert.Equal(0, frame.PayloadLength);
            return Assert.IsType<T>(app.Open(frame));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void App_and_gateway_complete_a_provisioning(bool openMode)
    {
        var code = SetupCode.Generate();
        var appSecret = openMode ? ProvisioningSecret.OpenMode : ProvisioningSecret.FromSetupCode(code);
        var gatewaySecret = openMode ? ProvisioningSecret.OpenMode : ProvisioningSecret.FromSetupCode(SetupCode.Parse(code.ToDisplayString().ToLowerInvariant()));
        using var appPair = EphemeralKeyPair.Generate();
        using var gatewayPair = EphemeralKeyPair.Generate();
        var bindNonce = Bytes(16, 0x77);

        // 1. APP broadcasts searchDevice under the searchkey, with its public key in the payload.
        using var appSearch = new ProvisioningChannel(KeyDerivation.DeriveSearchKey(appPair.PublicKey, appSecret), ProvisioningRole.App, ProvisioningTransport.Datagram, openMode);
        var searchDatagram = appSearch.Seal(new SearchDevice(Mac, bindNonce), appPair.PublicKey);
        Assert.True(searchDatagram.Length <= ProvisioningFrame.MaxDatagramSize);

        // 2. The gateway derives the searchkey from the payload and opens it.
        var searchFrame = ProvisioningFrame.Parse(searchDatagram);
        Assert.Equal(ProvisioningFrameType.SearchDevice, searchFrame.Type);
        Assert.Equal(openMode, searchFrame.Flags.HasFlag(ProvisioningFrameFlags.OpenMode));
        using var gatewaySearch = new ProvisioningChannel(KeyDerivation.DeriveSearchKey(searchFrame.PublicKey, gatewaySecret), ProvisioningRole.Gateway, ProvisioningTransport.Datagram, openMode);
        var search = Assert.IsType<SearchDevice>(gatewaySearch.Open(searchFrame));
        Assert.Equal(Mac, search.Mac);
        Assert.Equal(bindNonce, search.Random);

        // 3. The gateway answers with deviceInfo under the agreekey, carrying its own public key.
        var gatewayKey = KeyDerivation.DeriveAgreeKey(gatewayPair, ProvisioningRole.Gateway, searchFrame.PublicKey, gatewaySecret);
        using var gatewayDatagram = new ProvisioningChannel(gatewayKey, ProvisioningRole.Gateway, ProvisioningTransport.Datagram, openMode);
        var info = new DeviceInfo("192.168.4.1", 4433, false, Mac, "SN-0001", "6f1c2a9e-3b7d-4c1e-9a5f-0d2b8e4c7a10", ResetFlag: true,
            Hash: BindingHash.Compute(VerificationCode, search.Random!), Product: "pi-gw", Firmware: "2.0.1");
        var infoFrame = ProvisioningFrame.Parse(gatewayDatagram.Seal(info, gatewayPair.PublicKey));
        Assert.Equal(gatewayPair.PublicKey.ToArray(), infoFrame.PublicKey.ToArray());

        // 4. The APP derives the same agreekey and opens deviceInfo; the binding hash checks out.
        var appKey = KeyDerivation.DeriveAgreeKey(appPair, ProvisioningRole.App, infoFrame.PublicKey, appSecret);
        Assert.Equal(gatewayKey, appKey);
        using var appDatagram = new ProvisioningChannel(appKey, ProvisioningRole.App, ProvisioningTransport.Datagram, openMode);
        var receivedInfo = Assert.IsType<DeviceInfo>(appDatagram.Open(infoFrame));
        Assert.Equal(info, receivedInfo);
        Assert.True(BindingHash.Verify(VerificationCode, bindNonce, receivedInfo.Hash!));

        // 5. The TCP stream under the agreekey.
        using var appStream = new ProvisioningChannel(appKey, ProvisioningRole.App, ProvisioningTransport.Stream, openMode);
        using var gatewayStream = new ProvisioningChannel(gatewayKey, ProvisioningRole.Gateway, ProvisioningTransport.Stream, openMode);
        var link = new Link(appStream, gatewayStream);

        var (first, getList) = link.AppSends<GetSsidList>(new GetSsidList(Rescan: true), gatewayPair.PublicKey);
        Assert.True(getList.Rescan);
        Assert.Equal(gatewayPair.PublicKey.ToArray(), first.PublicKey.ToArray());
        Assert.Equal(0UL, first.Sequence);

        var networks = new SsidList([new SsidEntry("HomeNet", -41, WifiSecurity.Wpa2Psk), new SsidEntry("Caf\u00e9 \u2615", -80, WifiSecurity.Open)]);
        Assert.Equal(networks, link.GatewaySends<SsidList>(networks));

        var (credentialsFrame, credentials) = link.AppSends<WifiCredentials>(new WifiCredentials("HomeNet", new SecretString("router password 1")));
        Assert.Equal(0, credentialsFrame.PayloadLength);
        Assert.Equal(1UL, credentialsFrame.Sequence);
        Assert.Equal("router password 1", credentials.Password.Reveal());

        var joined = link.GatewaySends<WifiResult>(new WifiResult(true, Ip: "192.168.1.50"));
        Assert.True(joined.Joined);
        Assert.Equal("192.168.1.50", joined.Ip);

        var registration = new RegistrationInfo("gw-1042029", new SecretString("0123456789abcdef0123"), Key(0x10), Key(0x20), 17, Expiry, Expiry, "https://cloud.example.com/pi");
        var (_, receivedRegistration) = link.AppSends<RegistrationInfo>(registration);
        Assert.Equal(registration, receivedRegistration);

        Assert.Equal("gw-1042029", link.GatewaySends<RegistrationAck>(new RegistrationAck("gw-1042029")).Tid);

        var busy = link.GatewaySends<ProvisioningError>(new ProvisioningError(ProtocolErrorCode.Busy, "another APP is provisioning"));
        Assert.Equal(ProtocolErrorCode.Busy, busy.Code);
    }

    [Fact]
    public void A_gateway_that_is_busy_answers_the_search_with_an_error_datagram()
    {
        var secret = ProvisioningSecret.FromSetupCode(SetupCode.Parse(ZeroSetupCode));
        using var appPair = EphemeralKeyPair.Generate();
        using var gatewayPair = EphemeralKeyPair.Generate();
        var key = KeyDerivation.DeriveAgreeKey(gatewayPair, ProvisioningRole.Gateway, appPair.PublicKey, secret);
        using var gateway = new ProvisioningChannel(key, ProvisioningRole.Gateway, ProvisioningTransport.Datagram, openMode: false);
        using var app = new ProvisioningChannel(KeyDerivation.DeriveAgreeKey(appPair, ProvisioningRole.App, gatewayPair.PublicKey, secret), ProvisioningRole.App, ProvisioningTransport.Datagram, openMode: false);

        var frame = ProvisioningFrame.Parse(gateway.Seal(new ProvisioningError(ProtocolErrorCode.Busy, "busy"), gatewayPair.PublicKey));
        Assert.Equal(ProvisioningFrameType.Error, frame.Type);
        Assert.Equal(ProtocolErrorCode.Busy, Assert.IsType<ProvisioningError>(app.Open(frame)).Code);
    }

    [Fact]
    public void The_app_cannot_open_the_search_reply_with_the_wrong_setup_code()
    {
        using var appPair = EphemeralKeyPair.Generate();
        using var gatewayPair = EphemeralKeyPair.Generate();
        var gatewayKey = KeyDerivation.DeriveAgreeKey(gatewayPair, ProvisioningRole.Gateway, appPair.PublicKey, ProvisioningSecret.FromSetupCode(SetupCode.Parse(ZeroSetupCode)));
        var appKey = KeyDerivation.DeriveAgreeKey(appPair, ProvisioningRole.App, gatewayPair.PublicKey, ProvisioningSecret.FromSetupCode(SetupCode.Parse("Z00000000000000001")));
        using var gateway = new ProvisioningChannel(gatewayKey, ProvisioningRole.Gateway, ProvisioningTransport.Datagram, openMode: false);
        using var app = new ProvisioningChannel(appKey, ProvisioningRole.App, ProvisioningTransport.Datagram, openMode: false);
        var frame = ProvisioningFrame.Parse(gateway.Seal(new ProvisioningError(ProtocolErrorCode.Busy, "busy"), gatewayPair.PublicKey));
        Throws(ProtocolErrorCode.AuthenticationFailed, () => app.Open(frame));
    }
}
