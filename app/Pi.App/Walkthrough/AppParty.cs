using System.Text.Json.Nodes;
using Pi.App.Io;
using Pi.Protocol.Crypto;
using Pi.Protocol.Errors;
using Pi.Protocol.Framing;
using Pi.Protocol.Messages;
using static Pi.App.Walkthrough.Parties;

namespace Pi.App.Walkthrough;

/// <summary>
/// The APP: it scans the label, provisions the gateway over the softAP, registers and binds it at the
/// cloud, and registers a sub-device. It never holds a sessionkey or a link key.
/// </summary>
internal sealed class AppParty : IDisposable
{
    private readonly Narrator _n;
    private readonly EphemeralKeyPair _keyPair = EphemeralKeyPair.Generate();
    private GatewayLabel? _label;
    private ProvisioningSecret? _secret;
    private byte[]? _random;
    private byte[]? _gatewayPublicKey;
    private ProvisioningChannel? _search;
    private ProvisioningChannel? _stream;
    private StreamFrameDecoder? _decoder;
    private bool _sentOnConnection;
    private DeviceInfo? _device;
    private string? _routerIp;
    private string? _tid;
    private RegistrationInfo? _registration;

    public AppParty(Narrator narrator)
    {
        _n = narrator;
        User = "user" + Fresh.Hex(3);
    }

    /// <summary>The APP user's account at the cloud.</summary>
    public string User { get; }

    /// <summary>H10: the second key pair, new at every APP start.</summary>
    public void ShowKeyPair()
    {
        _n.Bytes(AppName, "public key 1", _keyPair.PublicKey);
        _n.Says(AppName, "private key 1 stays inside the APP");
    }

    /// <summary>H20: scan the QR label: the MAC to look for, the setup code that authenticates the exchange.</summary>
    public void ScanLabel(GatewayLabel label, string softApSsid)
    {
        _label = label;
        _secret = ProvisioningSecret.FromSetupCode(SetupCode.Parse(label.SetupCode));
        _n.Says(AppName, $"scans the label: mac {label.Mac}, setup code accepted (check symbol correct)");
        _n.Says(AppName, $"joins the softAP \"{softApSsid}\"");
    }

    /// <summary>Embodiment 2: the random number from the APP's own cloud login, for the binding hash.</summary>
    public void ReceiveAppLogin(byte[] json)
    {
        _random = Convert.FromBase64String(Json.Field(Json.Read(json), "random"));
        _n.Verify(AppName, "its cloud login (over TLS)", sealedMessage: false);
        _n.Bytes(AppName, "random", _random);
    }

    /// <summary>S11/H30: searchDevice under the searchkey, the APP public key in the payload region.</summary>
    public byte[] Search()
    {
        if (_search is null)
        {
            var searchKey = KeyDerivation.DeriveSearchKey(_keyPair.PublicKey, Secret);
            _n.Key(AppName, "searchkey", searchKey);
            _n.Why("searchkey = HKDF-SHA256(public key 1, salt = SHA-256(setup code), \"pi-gateway/v2 searchkey\")");
            _n.Why("the APP knows no gateway key yet; only a holder of the setup code can open this");
            _search = new ProvisioningChannel(searchKey, ProvisioningRole.App, ProvisioningTransport.Datagram, openMode: false);
        }
        else
        {
            _n.Says(AppName, "same key pair, same searchkey: its counter goes on, so no nonce is ever used twice");
        }
        var search = new SearchDevice(_label!.Mac, _random);
        _n.Value(AppName, "plaintext", Json.Of(search));
        return _search.Seal(search, _keyPair.PublicKey);
    }

    /// <summary>S2/H50: derive the agreekey from public key 2, open deviceInfo.</summary>
    public void ReceiveDeviceInfo(byte[] datagram)
    {
        var frame = ProvisioningFrame.Parse(datagram);
        _gatewayPublicKey = frame.PublicKey.ToArray();
        var agreeKey = KeyDerivation.DeriveAgreeKey(_keyPair, ProvisioningRole.App, _gatewayPublicKey, Secret);
        _n.Key(AppName, "agreekey", agreeKey);
        _n.Why("agreekey = HKDF-SHA256(ECDH(private key 1, public key 2), salt = SHA-256(setup code), label || public key 1 || public key 2)");
        using (var datagrams = new ProvisioningChannel(agreeKey, ProvisioningRole.App, ProvisioningTransport.Datagram, openMode: false))
        {
            _device = (DeviceInfo)datagrams.Open(frame);
        }
        _n.Verify(AppName, $"deviceInfo: mac {_device.Mac}, {_device.Ip}:{_device.TcpPort}, joined={Json.Bool(_device.Joined)}");
        if (!string.Equals(_device.Mac, _label!.Mac, StringComparison.Ordinal))
        {
            throw new ProtocolException(ProtocolErrorCode.UnknownDevice, "the answer came from another gateway");
        }
        _stream?.Dispose();
        _stream = new ProvisioningChannel(agreeKey, ProvisioningRole.App, ProvisioningTransport.Stream, openMode: false);
        _decoder = new StreamFrameDecoder();
        _sentOnConnection = false;
        _n.Says(AppName, $"opens a TCP connection to {_device.Ip}:{_device.TcpPort}");
    }

    /// <summary>S3/H60: ask for the routers the gateway can see.</summary>
    public byte[] RequestSsids() => SealOnStream(new GetSsidList());

    /// <summary>S4/H70: show the list, the user picks the strongest and types its password.</summary>
    public byte[] ChooseNetwork(byte[] stream)
    {
        var list = (SsidList)Open(stream);
        var chosen = list.Networks[0];
        _n.Says(AppName, $"shows {list.Networks.Count} networks; the user picks \"{chosen.Ssid}\" ({chosen.Signal} dBm) and types its password");
        return SealOnStream(new WifiCredentials(chosen.Ssid, new SecretString(Fresh.Secret(12))));
    }

    public void ReceiveWifiResult(byte[] stream)
    {
        var result = (WifiResult)Open(stream);
        _routerIp = result.Ip;
        _n.Says(AppName, $"the gateway joined the router (new address {result.Ip}); its softAP goes down and this connection with it");
        CloseConnection();
    }

    /// <summary>H90/S101: the registration request the APP sends the cloud on the gateway's behalf.</summary>
    public byte[] RegistrationRequest()
    {
        // The device info as the gateway described itself, without the binding hash (that goes with the bind).
        var request = _device! with { Hash = null, Joined = true, Ip = _routerIp! };
        return ProtocolJson.Serialize(request);
    }

    /// <summary>S102: what the cloud issued for the gateway.</summary>
    public void ReceiveRegistration(byte[] cloudJson)
    {
        _registration = (RegistrationInfo)ProtocolJson.DeserializeProvisioning(ProvisioningFrameType.RegistrationInfo, cloudJson);
        _n.Verify(AppName, $"registration: tid {_registration.Tid} (over TLS)", sealedMessage: false);
        _tid = _registration.Tid;
    }

    /// <summary>S103/H110: pass it to the gateway, under the agreekey of the current connection.</summary>
    public byte[] DeliverRegistration() =>
        SealOnStream(_registration ?? throw new InvalidOperationException("nothing to deliver"));

    public void ReceiveRegistrationAck(byte[] stream)
    {
        var ack = (RegistrationAck)Open(stream);
        _n.Says(AppName, $"the gateway stored the registration of {ack.Tid}; the APP closes the connection and forgets this agreekey");
        CloseConnection();
    }

    /// <summary>Embodiment 2: ask the cloud to bind the gateway, with the hash the gateway computed.</summary>
    public byte[] BindRequest() => Json.Body(new JsonObject { ["tid"] = _tid, ["hash"] = _device!.Hash });

    public void ReceiveBindResult(byte[] json)
    {
        _n.Verify(AppName, "bind result (over TLS)", sealedMessage: false);
        _n.Says(AppName, $"shows \"connected\": the gateway is bound to {Json.Field(Json.Read(json), "owner")}");
    }

    /// <summary>S500: register a sub-device under the gateway.</summary>
    public byte[] SubDeviceRegistrationRequest(string kind) => Json.Body(new JsonObject { ["tid"] = _tid, ["kind"] = kind });

    /// <summary>S500: the APP provisions the sub-device with what the cloud issued (as it did the gateway).</summary>
    public byte[] ReceiveSubDevice(byte[] json)
    {
        _n.Verify(AppName, $"sub-device {Json.Field(Json.Read(json), "did")} registered (over TLS)", sealedMessage: false);
        return json;
    }

    private ProvisioningSecret Secret => _secret ?? throw new InvalidOperationException("the label was not scanned");

    /// <summary>The first frame on a connection carries public key 2: it names the agreekey (docs/protocol.md section 5, rule 3).</summary>
    private byte[] SealOnStream(ProvisioningMessage message)
    {
        _n.Value(AppName, "plaintext", Json.Of(message));
        var publicKey = _sentOnConnection ? [] : _gatewayPublicKey;
        if (!_sentOnConnection)
        {
            _n.Says(AppName, "first frame on this connection: public key 2 goes in the payload region to name the agreekey");
        }
        _sentOnConnection = true;
        return _stream!.Seal(message, publicKey);
    }

    private void CloseConnection()
    {
        _stream?.Dispose();
        _stream = null;
        _decoder = null;
    }

    private ProvisioningMessage Open(byte[] stream)
    {
        var frame = _decoder!.Push(stream).Single();
        var message = _stream!.Open(frame);
        _n.Verify(AppName, $"{WireText.Name(frame.Type)} (sequence {frame.Sequence})");
        return message;
    }

    public void Dispose()
    {
        _keyPair.Dispose();
        _search?.Dispose();
        _stream?.Dispose();
    }
}
