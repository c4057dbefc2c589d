using System.Text;
using Pi.Protocol.Compat;
using Pi.Protocol.Crypto;
using Pi.Protocol.Envelopes;
using Pi.Protocol.Errors;
using Pi.Protocol.Framing;
using Pi.Protocol.Messages;

namespace Pi.Protocol.Tests.Spec;

/// <summary>Every test vector in docs/protocol.md holds for the reference implementation.</summary>
public class Spec_Vector_Tests
{
    public static TheoryData<string> Names(string kind) => [.. SpecVectors.OfKind(kind).Select(v => v.Name)];

    private static SpecVector Get(string name) => SpecVectors.All.Single(v => v.Name == name);

    [Fact]
    public void The_spec_has_vectors_of_every_kind()
    {
        var kinds = SpecVectors.All.Select(v => v.Kind).ToHashSet();
        Assert.Superset(new HashSet<string> { "setup-code", "agreekey", "searchkey", "frame", "envelope", "loginkey", "linkkey", "lanpassword", "bind-hash", "seed-cbc" }, kinds);
        Assert.True(SpecVectors.All.Count >= 16, $"only {SpecVectors.All.Count} vectors");
        Assert.Equal(SpecVectors.All.Count, SpecVectors.All.Select(v => v.Name).Distinct().Count());
    }

    [Theory]
    [MemberData(nameof(Names), "setup-code")]
    public void Setup_code_vector(string name)
    {
        var v = Get(name);
        Assert.Equal(v["canonical"], v["data_symbols"] + SetupCode.CheckSymbol(v["data_symbols"]));
        var code = SetupCode.Parse(v["display"]);
        Assert.Equal(v["canonical"], code.ToCanonicalString());
        Assert.Equal(v["display"], code.ToDisplayString());
        Assert.Equal(v.Hex("secret"), code.ComputeSecret());
        Assert.Equal(code, SetupCode.Parse(v["canonical"].ToLowerInvariant()));
    }

    [Theory]
    [MemberData(nameof(Names), "agreekey")]
    public void Agreekey_vector(string name)
    {
        var v = Get(name);
        using var app = EphemeralKeyPair.FromPrivateKey(v.Hex("app_private"));
        using var gateway = EphemeralKeyPair.FromPrivateKey(v.Hex("gateway_private"));
        Assert.Equal(v.Hex("app_public"), app.PublicKey.ToArray());
        Assert.Equal(v.Hex("gateway_public"), gateway.PublicKey.ToArray());
        Assert.Equal(v.Hex("shared_secret"), app.DeriveSharedSecret(gateway.PublicKey));
        Assert.Equal(v.Hex("shared_secret"), gateway.DeriveSharedSecret(app.PublicKey));

        var secret = ProvisioningSecret.FromSetupCode(SetupCode.Parse(v["setup_code"]));
        Assert.Equal(v.Hex("agreekey"), KeyDerivation.DeriveAgreeKey(app, ProvisioningRole.App, gateway.PublicKey, secret).Bytes.ToArray());
        Assert.Equal(v.Hex("agreekey"), KeyDerivation.DeriveAgreeKey(gateway, ProvisioningRole.Gateway, app.PublicKey, secret).Bytes.ToArray());
        Assert.Equal(v.Hex("agreekey_open_mode"), KeyDerivation.DeriveAgreeKey(app, ProvisioningRole.App, gateway.PublicKey, ProvisioningSecret.OpenMode).Bytes.ToArray());
    }

    [Theory]
    [MemberData(nameof(Names), "searchkey")]
    public void Searchkey_vector(string name)
    {
        var v = Get(name);
        var secret = ProvisioningSecret.FromSetupCode(SetupCode.Parse(v["setup_code"]));
        Assert.Equal(v.Hex("searchkey"), KeyDerivation.DeriveSearchKey(v.Hex("app_public"), secret).Bytes.ToArray());
        Assert.Equal(v.Hex("searchkey_open_mode"), KeyDerivation.DeriveSearchKey(v.Hex("app_public"), ProvisioningSecret.OpenMode).Bytes.ToArray());
    }

    [Theory]
    [MemberData(nameof(Names), "frame")]
    public void Frame_vector_seals_to_the_wire_bytes(string name)
    {
        var v = Get(name);
        var key = new SymmetricKey(v.Hex("key"));
        var stream = v["transport"] == "stream";
        var sender = v["sender"] == "app" ? ProvisioningRole.App : ProvisioningRole.Gateway;
        var publicKey = v.Hex("public_key");
        var plaintext = Encoding.UTF8.GetBytes(v["plaintext_text"]);
        var sequence = ulong.Parse(v["sequence"], System.Globalization.CultureInfo.InvariantCulture);
        var channel = stream ? NonceChannel.ProvisioningStream : NonceChannel.ProvisioningDatagram;
        var direction = sender == ProvisioningRole.App ? Direction.AppToGateway : Direction.GatewayToApp;

        var nonce = new byte[Nonce.Size];
        Nonce.Write(nonce, Nonce.Prefix(channel, direction), sequence);
        Assert.Equal(v.Hex("nonce"), nonce);

        var flags = (ProvisioningFrameFlags)byte.Parse(v["flags"], System.Globalization.CultureInfo.InvariantCulture);
        var type = (ProvisioningFrameType)byte.Parse(v["frame_type"], System.Globalization.CultureInfo.InvariantCulture);
        using var sealer = new AeadSealer(key, Nonce.Prefix(channel, direction), sequence);
        var transport = stream ? ProvisioningTransport.Stream : ProvisioningTransport.Datagram;
        var wire = ProvisioningFrame.Encode(sealer, transport, type, flags, sender, publicKey, plaintext, ProvisioningFrame.MaxStreamFrameSize);
        Assert.Equal(sequence + 1, sealer.NextCounter);
        Assert.Equal(v["wire"], Convert.ToHexStringLower(wire));
    }

    [Theory]
    [MemberData(nameof(Names), "frame")]
    public void Frame_vector_parses_opens_and_decodes(string name)
    {
        var v = Get(name);
        var key = new SymmetricKey(v.Hex("key"));
        var stream = v["transport"] == "stream";
        var parsed = stream
            ? Assert.Single(new StreamFrameDecoder().Push(v.Hex("wire")))
            : ProvisioningFrame.Parse(v.Hex("wire"));
        Assert.Equal(v["sequence"], parsed.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(v.Hex("public_key"), parsed.PublicKey.ToArray());

        var channel = stream ? NonceChannel.ProvisioningStream : NonceChannel.ProvisioningDatagram;
        var direction = parsed.Sender == ProvisioningRole.App ? Direction.AppToGateway : Direction.GatewayToApp;
        using var opener = new AeadOpener(key, Nonce.Prefix(channel, direction), stream ? ReplayMode.Stream : ReplayMode.Datagram);
        var plaintext = new byte[parsed.Ciphertext.Length];
        opener.Open(parsed.AssociatedData, parsed.Sequence, parsed.Ciphertext, parsed.Tag, plaintext);
        Assert.Equal(v["plaintext_text"], Encoding.UTF8.GetString(plaintext));

        // The plaintext is a valid message, and it is exactly what the reference encoder writes.
        var message = ProtocolJson.DeserializeProvisioning(parsed.Type, plaintext);
        Assert.Equal(v["plaintext_text"], Encoding.UTF8.GetString(ProtocolJson.Serialize(message)));
    }

    [Fact]
    public void Provisioning_channels_produce_and_accept_the_vector_frames()
    {
        // Datagrams: the APP's search under the searchkey, the gateway's answer under the agreekey.
        var search = Get("frame-search-device");
        using (var app = new ProvisioningChannel(new SymmetricKey(search.Hex("key")), ProvisioningRole.App, ProvisioningTransport.Datagram, openMode: false))
        using (var gateway = new ProvisioningChannel(new SymmetricKey(search.Hex("key")), ProvisioningRole.Gateway, ProvisioningTransport.Datagram, openMode: false))
        {
            Assert.Equal(search.Hex("wire"), app.SealPlaintext(ProvisioningFrameType.SearchDevice, Encoding.UTF8.GetBytes(search["plaintext_text"]), search.Hex("public_key")));
            var opened = Assert.IsType<SearchDevice>(gateway.Open(ProvisioningFrame.Parse(search.Hex("wire"))));
            Assert.Equal("B8:27:EB:12:34:56", opened.Mac);
        }

        var info = Get("frame-device-info");
        using (var gateway = new ProvisioningChannel(new SymmetricKey(info.Hex("key")), ProvisioningRole.Gateway, ProvisioningTransport.Datagram, openMode: false))
        using (var app = new ProvisioningChannel(new SymmetricKey(info.Hex("key")), ProvisioningRole.App, ProvisioningTransport.Datagram, openMode: false))
        {
            Assert.Equal(info.Hex("wire"), gateway.SealPlaintext(ProvisioningFrameType.DeviceInfo, Encoding.UTF8.GetBytes(info["plaintext_text"]), info.Hex("public_key")));
            var opened = Assert.IsType<DeviceInfo>(app.Open(ProvisioningFrame.Parse(info.Hex("wire"))));
            Assert.True(BindingHash.Verify("VC-4F7Q-9K2M-XW3D", Convert.FromBase64String("AAECAwQFBgcICQoLDA0ODw=="), opened.Hash!));
        }

        // The stream: the APP's first frame names the gateway key, the second carries none.
        var first = Get("frame-get-ssid-list");
        var second = Get("frame-wifi-credentials");
        var key = new SymmetricKey(first.Hex("key"));
        using var appStream = new ProvisioningChannel(key, ProvisioningRole.App, ProvisioningTransport.Stream, openMode: false);
        using var gatewayStream = new ProvisioningChannel(key, ProvisioningRole.Gateway, ProvisioningTransport.Stream, openMode: false);
        Assert.Equal(first.Hex("wire"), appStream.SealPlaintext(ProvisioningFrameType.GetSsidList, Encoding.UTF8.GetBytes(first["plaintext_text"]), first.Hex("public_key")));
        Assert.Equal(second.Hex("wire"), appStream.SealPlaintext(ProvisioningFrameType.WifiCredentials, Encoding.UTF8.GetBytes(second["plaintext_text"])));
        var decoder = new StreamFrameDecoder();
        var frames = decoder.Push([.. first.Hex("wire"), .. second.Hex("wire")]);
        Assert.IsType<GetSsidList>(gatewayStream.Open(frames[0]));
        var credentials = Assert.IsType<WifiCredentials>(gatewayStream.Open(frames[1]));
        Assert.Equal("correct horse battery", credentials.Password.Reveal());
    }

    [Fact]
    public void The_open_mode_vector_opens_only_in_open_mode()
    {
        var v = Get("frame-open-mode-search-device");
        using var openGateway = new ProvisioningChannel(new SymmetricKey(v.Hex("key")), ProvisioningRole.Gateway, ProvisioningTransport.Datagram, openMode: true);
        Assert.IsType<SearchDevice>(openGateway.Open(ProvisioningFrame.Parse(v.Hex("wire"))));
        using var strictGateway = new ProvisioningChannel(new SymmetricKey(v.Hex("key")), ProvisioningRole.Gateway, ProvisioningTransport.Datagram, openMode: false);
        var error = Assert.Throws<ProtocolException>(() => strictGateway.Open(ProvisioningFrame.Parse(v.Hex("wire"))));
        Assert.Equal(ProtocolErrorCode.SecurityModeMismatch, error.Code);
    }

    [Theory]
    [MemberData(nameof(Names), "envelope")]
    public void Envelope_vector(string name)
    {
        var v = Get(name);
        var key = new SymmetricKey(v.Hex("key"));
        var keyId = uint.Parse(v["key_id"], System.Globalization.CultureInfo.InvariantCulture);
        var direction = (Direction)byte.Parse(v["direction"], System.Globalization.CultureInfo.InvariantCulture);
        var counter = ulong.Parse(v["counter"], System.Globalization.CultureInfo.InvariantCulture);
        var tid = v["tid"].Length == 0 ? null : v["tid"];
        var did = v["did"].Length == 0 ? null : v["did"];

        var nonce = new byte[Nonce.Size];
        Nonce.Write(nonce, Nonce.Prefix(NonceChannel.Envelope, direction), counter);
        Assert.Equal(v.Hex("nonce"), nonce);

        using var sealer = new EnvelopeSealer(key, keyId, direction, counter);
        Assert.Equal(v["envelope"], Convert.ToHexStringLower(sealer.Seal(Encoding.UTF8.GetBytes(v["plaintext_text"]), tid, did)));

        var header = SessionEnvelope.ReadHeader(v.Hex("envelope"));
        Assert.Equal(new EnvelopeHeader(direction, keyId, counter, tid, did), header);
        using var opener = new EnvelopeOpener(key, keyId, direction, tid, did);
        Assert.Equal(v["plaintext_text"], Encoding.UTF8.GetString(opener.Open(v.Hex("envelope")).Plaintext));
    }

    [Fact]
    public void Envelope_vector_plaintexts_are_valid_messages_in_canonical_form()
    {
        foreach (var name in new[] { "envelope-session-request", "envelope-session-response", "envelope-link-up" })
        {
            var text = Get(name)["plaintext_text"];
            var message = ProtocolJson.DeserializeSession(Encoding.UTF8.GetBytes(text));
            Assert.Equal(text, Encoding.UTF8.GetString(ProtocolJson.Serialize(message)));
        }
        var login = Get("envelope-login-request")["plaintext_text"];
        var request = ProtocolJson.Deserialize<LoginRequest>(Encoding.UTF8.GetBytes(login));
        Assert.Equal(login, Encoding.UTF8.GetString(ProtocolJson.Serialize(request)));
        Assert.Equal(Get("loginkey-1").Hex("challenge"), request.Challenge);
    }

    [Theory]
    [MemberData(nameof(Names), "loginkey")]
    public void Loginkey_vector(string name)
    {
        var v = Get(name);
        var key = KeyDerivation.DeriveLoginKey(new SymmetricKey(v.Hex("access_key")), v.Hex("challenge"), v["tid"]);
        Assert.Equal(v.Hex("login_key"), key.Bytes.ToArray());
    }

    [Theory]
    [MemberData(nameof(Names), "linkkey")]
    public void Linkkey_vector(string name)
    {
        var v = Get(name);
        var key = KeyDerivation.DeriveLinkKey(new SymmetricKey(v.Hex("local_key")), v.Hex("subdevice_nonce"), v.Hex("gateway_nonce"), v["did"]);
        Assert.Equal(v.Hex("link_key"), key.Bytes.ToArray());
    }

    [Theory]
    [MemberData(nameof(Names), "lanpassword")]
    public void Lan_password_vector(string name)
    {
        var v = Get(name);
        var password = KeyDerivation.DeriveLanPassword(new SymmetricKey(v.Hex("local_key")), v["did"]);
        Assert.Equal(v["lan_password"], password.Reveal());
    }

    [Theory]
    [MemberData(nameof(Names), "bind-hash")]
    public void Bind_hash_vector(string name)
    {
        var v = Get(name);
        Assert.Equal(v["hash"], BindingHash.Compute(v["verification_code"], v.Hex("nonce")));
    }

    [Theory]
    [MemberData(nameof(Names), "seed-cbc")]
    public void Seed_cbc_vector(string name)
    {
        var v = Get(name);
        Assert.Equal(v["plaintext_text"], SeedCbc.Decrypt(v["ciphertext_base64"], v["key_text"]));
        Assert.Equal(v["ciphertext_base64"], SeedCbc.Encrypt(v["plaintext_text"], v["key_text"]));
    }
}
